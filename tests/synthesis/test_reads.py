"""Synthesis reads from the gateway's read cache: ETags and 304s, and every change — made
through the gateway or reaching synthesis by event — showing at the next read."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.helpers import auth, eventually
from tests.synthesis.support import CATCHER, SYNTHESISER, debate, file_extract

Json = dict[str, Any]
BODY = "Protected bike lanes on every road. Buses need lanes. Trams need priority."


async def cached_get(api: httpx.AsyncClient, url: str, headers: dict[str, str] | None = None,
                     **params: Any) -> httpx.Response:
    """A read answered 200 with an ETag, then 304 for that ETag (the same bytes held)."""
    first = await api.get(url, params=params, headers=headers or {})
    assert first.status_code == 200, first.text
    etag = first.headers["etag"]
    again = await api.get(url, params=params, headers={**(headers or {}),
                                                       "If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["etag"] == etag
    assert not again.content
    return first


async def changed(api: httpx.AsyncClient, url: str, before: httpx.Response,
                  headers: dict[str, str] | None = None, **params: Any) -> Json:
    """The read after a change: a new ETag, and the old one no longer gets a 304."""
    after = await api.get(url, params=params, headers={
        **(headers or {}), "If-None-Match": before.headers["etag"]})
    assert after.status_code == 200, after.text
    assert after.headers["etag"] != before.headers["etag"]
    found: Json = after.json()
    return found


async def test_the_ideas_table_and_an_idea_with_its_sources_change_with_every_write(
    api: httpx.AsyncClient,
) -> None:
    consultation, (post,) = await debate(api, BODY)
    ideas = f"/v1/consultations/{consultation['id']}/ideas"
    extracts = f"/v1/consultations/{consultation['id']}/extracts"
    theme = consultation["themes"][0]["id"]
    empty = await cached_get(api, ideas, theme_id=theme)
    assert empty.json()["items"] == []

    created = await api.post(ideas, headers=CATCHER, json={"theme_id": theme,
                                                           "title": "Bus lanes"})
    assert created.status_code == 201, created.text
    idea = created.json()
    table = await changed(api, ideas, empty, theme_id=theme)
    assert [i["id"] for i in table["items"]] == [idea["id"]]

    one = await cached_get(api, f"{ideas}/{idea['id']}")
    sources = await cached_get(api, extracts, idea_id=idea["id"])
    assert sources.json()["items"] == []
    table_read = await cached_get(api, ideas, theme_id=theme)
    start = BODY.index("Buses need lanes")
    filed = await api.post(extracts, headers=CATCHER, json={
        "post_id": post["id"], "start": start, "end": start + 16, "nature": "issue",
        "idea_id": idea["id"]})
    assert filed.status_code == 201, filed.text
    assert (await changed(api, f"{ideas}/{idea['id']}", one))["counts"]["extracts"] == 1
    listed = await changed(api, extracts, sources, idea_id=idea["id"])
    assert [(e["id"], e["post_id"], e["thread_id"]) for e in listed["items"]] == [
        (filed.json()["id"], post["id"], post["thread_id"])]
    assert (await changed(api, ideas, table_read, theme_id=theme))["items"][0]["counts"] == {
        "extracts": 1, "posts": 1, "authors": 1, "reactions": 0}

    table_read = await cached_get(api, ideas, theme_id=theme)
    retained = await api.put(f"{ideas}/{idea['id']}/status", headers=CATCHER,
                             json={"status": "retained"})
    assert retained.status_code == 200, retained.text
    assert (await changed(api, ideas, table_read, theme_id=theme))["items"][0]["status"] == \
        "retained"


async def test_a_reaction_reaching_synthesis_by_event_renews_the_cached_counts(
    api: httpx.AsyncClient,
) -> None:
    """Not a write through the synthesis routes: threads' `reaction.changed` reaches
    synthesis's read model, which says so (`extract.source_changed`), and the gateway's
    cached table follows — never a stale count kept after the change."""
    consultation, (post,) = await debate(api, BODY)
    ideas = f"/v1/consultations/{consultation['id']}/ideas"
    created = await api.post(ideas, headers=CATCHER, json={
        "theme_id": consultation["themes"][0]["id"], "title": "Lanes"})
    idea = created.json()
    filed = await api.post(f"/v1/consultations/{consultation['id']}/extracts",
                           headers=CATCHER, json={"post_id": post["id"], "start": 0,
                                                  "end": 9, "nature": "issue",
                                                  "idea_id": idea["id"]})
    assert filed.status_code == 201, filed.text
    before = await cached_get(api, ideas)
    assert before.json()["items"][0]["counts"]["reactions"] == 0
    reacted = await api.put(f"/v1/posts/{post['id']}/reaction", json={"kind": "like"},
                            headers=auth("fan"))
    assert reacted.status_code == 200, reacted.text

    async def reactions() -> int:
        found: int = (await api.get(ideas)).json()["items"][0]["counts"]["reactions"]
        return found

    assert await eventually(reactions, lambda n: n == 1) == 1


async def test_syntheses_versions_and_contests_change_with_every_write(
    api: httpx.AsyncClient,
) -> None:
    consultation, _ = await debate(api, BODY)
    base = f"/v1/consultations/{consultation['id']}/syntheses"
    created = await api.post(base, headers=SYNTHESISER, json={"title": "Mobility"})
    assert created.status_code == 201, created.text
    synthesis = created.json()
    url = f"{base}/{synthesis['id']}"
    public = await cached_get(api, base)
    writer = await cached_get(api, url, SYNTHESISER)
    saved = await api.put(f"{url}/draft", headers=SYNTHESISER,
                          json={"paragraphs": [{"text": "Cyclists want lanes."}]})
    assert saved.status_code == 200, saved.text
    # The draft is the synthesisers' alone: the public view did not change with it.
    assert (await api.get(base, headers={"If-None-Match": public.headers["etag"]})
            ).status_code == 304
    assert [p["text"] for p in (await changed(api, url, writer, SYNTHESISER))["draft"]] == [
        "Cyclists want lanes."]
    assert (await api.get(url)).json()["draft"] == []

    published = await api.post(f"{url}/versions", headers=SYNTHESISER)
    assert published.status_code == 201, published.text
    assert (await changed(api, base, public))["items"][0]["latest_version"] == 1
    version = await cached_get(api, f"{url}/versions/1")
    contests = await cached_get(api, f"{url}/contests")
    anchor = version.json()["paragraphs"][0]["anchor"]
    contested = await api.post(f"{url}/versions/1/paragraphs/{anchor}/contests",
                               headers=auth("critic"), json={"body": "And pedestrians?"})
    assert contested.status_code == 201, contested.text
    assert (await changed(api, f"{url}/versions/1", version))["paragraphs"][0]["contests"] == 1
    listed = await changed(api, f"{url}/contests", contests)
    assert [c["body"] for c in listed["items"]] == ["And pedestrians?"]

    contests = await cached_get(api, f"{url}/contests")
    answered = await api.post(
        f"/v1/consultations/{consultation['id']}/contests/{contested.json()['id']}/answers",
        headers=SYNTHESISER, json={"body": "Next version."})
    assert answered.status_code == 200, answered.text
    assert (await changed(api, f"{url}/contests", contests))["items"][0]["status"] == \
        "answered"


async def test_a_hidden_posts_quote_is_read_through_for_those_who_may_read_it(
    api: httpx.AsyncClient,
) -> None:
    """The cached view withholds a hidden post's quote; its author and moderators read it
    through the service, everyone else from the cache."""
    consultation, (post,) = await debate(api, BODY, author="ana")
    filed = await file_extract(api, consultation, post, "Trams need priority")
    assert filed.status_code == 201, filed.text
    hidden = await api.post(f"/v1/posts/{post['id']}/moderation", headers=auth(
        "mod", "moderator"), json={"action": "hide", "reason": "off topic"})
    assert hidden.status_code == 200, hidden.text
    url = f"/v1/consultations/{consultation['id']}/extracts/{filed.json()['id']}"

    async def withheld(headers: dict[str, str]) -> bool:
        found: bool = (await api.get(url, headers=headers)).json()["quote_withheld"]
        return found

    assert await eventually(lambda: withheld({}), lambda w: w) is True
    assert await withheld(auth("passer-by")) is True
    assert await withheld(auth("ana")) is False
    assert await withheld(auth("mod", "moderator")) is False


@pytest.mark.parametrize(("path", "params", "field"), [
    ("ideas", {"cursor": "not a cursor!"}, "query.cursor"),
    ("ideas", {"cursor": "ffffffffffffffffffffffffffffffffffffffffffffffff"}, "query.cursor"),
    ("ideas", {"cursor": "ABCDEF0123456789ABCDEF01"}, "query.cursor"),
    ("ideas", {"theme_id": "x"}, "query.theme_id"),
    ("extracts", {"idea_id": "000000000000000000000000"}, "idea_id"),
    ("extracts", {"idea_id": "zz"}, "query.idea_id"),
    ("extracts", {"cursor": "%%%"}, "query.cursor"),
    ("syntheses", {"limit": "0"}, "query.limit"),
    ("syntheses", {"cursor": "abc"}, "query.cursor"),
    ("syntheses/{synthesis}/contests", {"cursor": "abc"}, "query.cursor"),
    ("syntheses/{synthesis}/contests", {"limit": "101"}, "query.limit"),
    ("syntheses/{synthesis}/contests", {"anchor": "bad anchor"}, "query.anchor"),
])
async def test_bad_read_queries_are_problems(api: httpx.AsyncClient, path: str,
                                             params: dict[str, str], field: str) -> None:
    world = await reading_world(api)
    reply = await api.get(f"/v1/consultations/{world['consultation']}/"
                          + path.format(**world), params=params)
    assert reply.status_code == 422, reply.text
    assert reply.headers["content-type"] == "application/problem+json"
    assert field in {e["field"] for e in reply.json()["errors"]}, reply.json()


UNKNOWN = "000000000000000000000000"


@pytest.mark.parametrize("path", [
    "ideas/{unknown}", "ideas/{other_idea}", "extracts/{unknown}", "extracts/{other_extract}",
    "syntheses/{unknown}", "syntheses/{other_synthesis}", "syntheses/{synthesis}/versions/9",
    "syntheses/{other_synthesis}/versions/1", "syntheses/{unknown}/contests",
    "syntheses/{other_synthesis}/contests", "ideas/not-an-id", "syntheses/x/versions/1",
])
async def test_unknown_and_other_consultations_ids_are_404(api: httpx.AsyncClient,
                                                          path: str) -> None:
    world = await reading_world(api)
    reply = await api.get(f"/v1/consultations/{world['consultation']}/"
                          + path.format(**world))
    assert reply.status_code == 404, reply.text
    assert reply.headers["content-type"] == "application/problem+json"


_WORLD: dict[str, str] = {}


async def reading_world(api: httpx.AsyncClient) -> dict[str, str]:
    """A consultation with a synthesis, and another consultation's idea, extract and
    synthesis with a version (made once: the parametrised tests only read)."""
    if _WORLD:
        return _WORLD
    consultation, _ = await debate(api, BODY)
    other, (post,) = await debate(api, BODY)
    mine = await api.post(f"/v1/consultations/{consultation['id']}/syntheses",
                          headers=SYNTHESISER, json={"title": "Mine"})
    idea = await api.post(f"/v1/consultations/{other['id']}/ideas", headers=CATCHER, json={
        "theme_id": other["themes"][0]["id"], "title": "Elsewhere"})
    extract = await file_extract(api, other, post, "Buses need lanes")
    theirs = await api.post(f"/v1/consultations/{other['id']}/syntheses",
                            headers=SYNTHESISER, json={"title": "Theirs"})
    url = f"/v1/consultations/{other['id']}/syntheses/{theirs.json()['id']}"
    await api.put(f"{url}/draft", headers=SYNTHESISER, json={"paragraphs": [{"text": "P"}]})
    assert (await api.post(f"{url}/versions", headers=SYNTHESISER)).status_code == 201
    _WORLD.update(consultation=consultation["id"], synthesis=mine.json()["id"],
                  unknown=UNKNOWN, other_idea=idea.json()["id"],
                  other_extract=extract.json()["id"], other_synthesis=theirs.json()["id"])
    return _WORLD
