"""Thread lists over HTTP: post counts in every list, sub-themes on threads."""

from __future__ import annotations

from typing import Any

import httpx
from pymongo import AsyncMongoClient

from tests.debate import MODERATOR, STRATEGIST, counts, phased, post, schedule
from tests.gateway.test_problems import assert_problem
from tests.helpers import auth

Mongo = AsyncMongoClient[dict[str, object]]


async def open_thread(api: httpx.AsyncClient, consultation: dict[str, Any],
                      **body: Any) -> httpx.Response:
    return await api.post(f"/v1/consultations/{consultation['id']}/threads",
                          headers=auth("opener"),
                          json={"theme_id": consultation["themes"][0]["id"], "title": "T",
                                **body})


async def listed(api: httpx.AsyncClient, consultation: dict[str, Any],
                 **params: str) -> list[dict[str, Any]]:
    reply = await api.get(f"/v1/consultations/{consultation['id']}/threads", params=params)
    assert reply.status_code == 200, reply.text
    items: list[dict[str, Any]] = reply.json()["items"]
    return items


async def test_every_thread_list_counts_published_posts(api: httpx.AsyncClient) -> None:
    """The unfiltered list used to report post_count 0 for every thread."""
    consultation = await phased(api, "ideation", pre_moderation=True)
    busy, quiet = [(await open_thread(api, consultation, title=t)).json() for t in "AB"]
    for body in ("one", "two", "held"):
        await post(api, busy, body)
    for written in (await api.get(f"/v1/consultations/{consultation['id']}/moderation/queue",
                                  headers=MODERATOR)).json()["items"][:2]:
        approved = await api.post(f"/v1/posts/{written['post']['id']}/moderation",
                                  json={"action": "approve"}, headers=MODERATOR)
        assert approved.status_code == 200, approved.text
    expected = {busy["id"]: 2, quiet["id"]: 0}  # the held post is not counted
    assert {t["id"]: t["post_count"] for t in await listed(api, consultation)} == expected
    by_kind = await listed(api, consultation, kind="discussion")
    assert {t["id"]: t["post_count"] for t in by_kind} == expected
    assert (await api.get(f"/v1/threads/{busy['id']}")).json()["post_count"] == 2


async def test_threads_attach_to_a_sub_theme_of_their_theme(
    api: httpx.AsyncClient, mongo: Mongo,
) -> None:
    consultation = await phased(api, "ideation")
    theme, other = consultation["themes"][0], consultation["themes"][1]
    sub = theme["sub_themes"][1]
    created = await open_thread(api, consultation, title="Evening classes",
                                sub_theme_id=sub["id"])
    assert created.status_code == 201, created.text
    thread = created.json()
    assert thread["sub_theme_id"] == sub["id"]
    assert (await api.get(f"/v1/threads/{thread['id']}")).json()["sub_theme_id"] == sub["id"]
    whole = (await open_thread(api, consultation, title="About the theme")).json()
    assert whole["sub_theme_id"] is None

    assert [t["id"] for t in await listed(api, consultation, sub_theme_id=sub["id"])] == [
        thread["id"]]
    assert await listed(api, consultation, sub_theme_id=theme["sub_themes"][0]["id"]) == []
    assert {t["id"] for t in await listed(api, consultation, theme_id=theme["id"])} == {
        thread["id"], whole["id"]}

    before = await counts(mongo)
    foreign = await open_thread(api, consultation, sub_theme_id=other["sub_themes"][0]["id"])
    assert "not a sub-theme of theme" in assert_problem(foreign, 422, "sub_theme_id")["detail"]
    assert_problem(await open_thread(api, consultation, sub_theme_id="nope"), 422,
                   "sub_theme_id")
    assert await counts(mongo) == before
    assert_problem(await api.get(f"/v1/consultations/{consultation['id']}/threads",
                                 params={"sub_theme_id": "x"}), 422)


async def test_a_sub_theme_with_threads_is_kept_renamed_by_id_not_dropped(
    api: httpx.AsyncClient, mongo: Mongo,
) -> None:
    consultation = await phased(api, "ideation")
    theme = consultation["themes"][0]
    kept, spare = theme["sub_themes"]
    thread = (await open_thread(api, consultation, sub_theme_id=kept["id"])).json()
    url = f"/v1/consultations/{consultation['id']}/structure"
    others = [{"id": t["id"], "title": t["title"]} for t in consultation["themes"][1:]]

    def structure(sub_themes: list[Any]) -> dict[str, Any]:
        return {"title": consultation["title"], "languages": consultation["languages"],
                "themes": [{"id": theme["id"], "title": theme["title"],
                            "sub_themes": sub_themes}, *others],
                "phases": schedule("ideation")}

    before = await counts(mongo)
    dropped = await api.put(url, json=structure(["Renamed, by title only", spare["title"]]),
                            headers=STRATEGIST)
    assert "has threads" in assert_problem(dropped, 409)["detail"]
    assert await counts(mongo) == before
    renamed = await api.put(url, headers=STRATEGIST, json=structure(
        [{"id": kept["id"], "title": "Renamed"}, spare["title"], "A third one"]))
    assert renamed.status_code == 200, renamed.text
    subs = renamed.json()["themes"][0]["sub_themes"]
    assert [(s["id"], s["title"]) for s in subs[:2]] == [(kept["id"], "Renamed"),
                                                         (spare["id"], spare["title"])]
    assert (await api.get(f"/v1/threads/{thread['id']}")).json()["sub_theme_id"] == kept["id"]
