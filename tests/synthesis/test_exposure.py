"""GET /v1/consultations/{id}/next-posts through the stack: the synthesis service's own
read models (corpus, moderation, reaction totals) decide what a participant is offered,
kept current by the events."""

from __future__ import annotations

from typing import Any

import httpx

from tests.helpers import assert_problem, auth, create_consultation, create_thread, eventually

MODERATOR = auth("moderator-1", "moderator")
Json = dict[str, Any]


async def offered(api: httpx.AsyncClient, consultation: Json, viewer: str,
                  **params: Any) -> list[Json]:
    reply = await api.get(f"/v1/consultations/{consultation['id']}/next-posts",
                          params=params, headers=auth(viewer))
    assert reply.status_code == 200, reply.text
    assert reply.headers["cache-control"] == "no-store"
    items: list[Json] = reply.json()["items"]
    return items


async def test_a_participant_is_offered_others_new_posts_and_not_what_they_reacted_to(
    api: httpx.AsyncClient,
) -> None:
    consultation = await create_consultation(api)
    thread = await create_thread(api, consultation)
    posts = {}
    for author, body in (("ana", "Evening classes at the library"),
                         ("bob", "Apprenticeships for older workers"),
                         ("cleo", "A four-day week in the city's services"),
                         ("viewer", "My own idea about bike lanes")):
        reply = await api.post(f"/v1/threads/{thread['id']}/posts", json={"body": body},
                               headers=auth(author))
        assert reply.status_code == 201, reply.text
        posts[author] = reply.json()["id"]
    shown = await eventually(lambda: offered(api, consultation, "viewer", limit=10),
                             lambda items: len(items) == 3)
    assert {i["post_id"] for i in shown} == {posts["ana"], posts["bob"], posts["cleo"]}
    assert {i["reason"] for i in shown} == {"new"}
    assert all(i["thread_id"] == thread["id"] and i["url"] == f"/v1/posts/{i['post_id']}"
               for i in shown)
    # A reaction takes its post out of the viewer's next batches (once its event arrives).
    reacted = await api.put(f"/v1/posts/{posts['ana']}/reaction", json={"kind": "like"},
                            headers=auth("viewer"))
    assert reacted.status_code == 200, reacted.text
    later = await eventually(lambda: offered(api, consultation, "viewer", limit=10),
                             lambda items: len(items) == 2)
    assert posts["ana"] not in {i["post_id"] for i in later}
    # A post hidden by the moderators is offered to nobody.
    hidden = await api.post(f"/v1/posts/{posts['bob']}/moderation", headers=MODERATOR,
                            json={"action": "hide", "reason": "off topic"})
    assert hidden.status_code == 200, hidden.text
    await eventually(lambda: offered(api, consultation, "someone-else", limit=10),
                     lambda items: {i["post_id"] for i in items} == {
                         posts["ana"], posts["cleo"], posts["viewer"]})
    # ... and a thread's batch stays in that thread.
    other = await create_thread(api, consultation)
    assert await offered(api, consultation, "viewer", thread_id=other["id"]) == []


async def test_well_reacted_posts_are_offered_as_consensus_or_controversy(
    api: httpx.AsyncClient,
) -> None:
    """Past the minimum of reactions (EXPOSURE_MIN_REACTIONS, 10), a post is offered for
    what its reactions say."""
    consultation = await create_consultation(api)
    thread = await create_thread(api, consultation)
    reply = await api.post(f"/v1/threads/{thread['id']}/posts",
                           json={"body": "Everyone agrees with this"}, headers=auth("ana"))
    agreed = reply.json()["id"]
    for i in range(10):
        liked = await api.put(f"/v1/posts/{agreed}/reaction", json={"kind": "like"},
                              headers=auth(f"reactor-{i}"))
        assert liked.status_code == 200, liked.text
    shown = await eventually(lambda: offered(api, consultation, "viewer"),
                             lambda items: [i["reason"] for i in items] == ["consensus"])
    assert shown[0]["post_id"] == agreed


async def test_bad_requests_are_refused_with_a_problem(api: httpx.AsyncClient) -> None:
    consultation = await create_consultation(api)
    other = await create_consultation(api)
    foreign = await create_thread(api, other)
    url = f"/v1/consultations/{consultation['id']}/next-posts"
    assert_problem(await api.get(url), 401)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"limit": 0}, "query.limit"), ({"limit": 51}, "query.limit"),
        ({"thread_id": "nope"}, "query.thread_id")]
    for params, field in cases:
        assert_problem(await api.get(url, params=params, headers=auth("viewer")), 422, field)
    assert_problem(await api.get(url, params={"thread_id": str(foreign["id"])},
                                 headers=auth("viewer")), 404)
    assert_problem(await api.get("/v1/consultations/not-an-id/next-posts",
                                 headers=auth("viewer")), 404)
