"""Posts over HTTP: nested replies, edits with history, pinned announcements, paging."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from tests.debate import MODERATOR, counts, events_of, phased, post, thread_in
from tests.gateway.test_problems import assert_problem
from tests.helpers import auth
from tests.identity.support import new_account

Mongo = AsyncMongoClient[dict[str, object]]


@pytest.fixture
async def thread(api: httpx.AsyncClient) -> dict[str, Any]:
    return await thread_in(api, await phased(api, "ideation"))


async def test_replies_nest_to_any_depth_with_parent_references(
    api: httpx.AsyncClient, thread: dict[str, Any],
) -> None:
    root = await post(api, thread, "Root")
    parent = root
    for depth in range(1, 6):
        parent = await post(api, thread, f"Reply {depth}", account=f"r{depth}",
                            parent_id=parent["id"])
        assert parent["depth"] == depth
    page = (await api.get(f"/v1/threads/{thread['id']}/posts")).json()
    by_id = {p["id"]: p for p in page["items"]}
    chain, node = [], page["items"][-1]
    while node is not None:
        chain.append(node["body"])
        node = by_id.get(node["parent_id"]) if node["parent_id"] else None
    assert chain == ["Reply 5", "Reply 4", "Reply 3", "Reply 2", "Reply 1", "Root"]


async def test_a_reply_to_a_post_of_another_thread_or_unknown_is_refused(
    api: httpx.AsyncClient, mongo: Mongo, thread: dict[str, Any],
) -> None:
    other = await thread_in(api, await phased(api, "ideation"))
    elsewhere = await post(api, other)
    before = await counts(mongo)
    for parent in (elsewhere["id"], "000000000000000000000000"):
        reply = await api.post(f"/v1/threads/{thread['id']}/posts",
                               json={"body": "x", "parent_id": parent}, headers=auth("ana"))
        assert_problem(reply, 404)
    malformed = await api.post(f"/v1/threads/{thread['id']}/posts",
                               json={"body": "x", "parent_id": "nope"}, headers=auth("ana"))
    assert_problem(malformed, 422, "parent_id")
    assert await counts(mongo) == before


async def test_an_edit_keeps_the_previous_text_as_a_revision(
    api: httpx.AsyncClient, mongo: Mongo, thread: dict[str, Any],
) -> None:
    written = await post(api, thread, "First version", account="ed")
    edited = await api.patch(f"/v1/posts/{written['id']}",
                             json={"body": "Second *version*", "format": "markdown"},
                             headers=auth("ed"))
    assert edited.status_code == 200, edited.text
    assert edited.json()["revision"] == 1
    assert edited.json()["edited_at"] is not None
    assert edited.json()["body_html"] == "<p>Second <em>version</em></p>\n"
    await api.patch(f"/v1/posts/{written['id']}", json={"body": "Third"}, headers=auth("ed"))
    history = (await api.get(f"/v1/posts/{written['id']}/revisions")).json()["items"]
    assert [r["body"] for r in history] == ["First version", "Second *version*"]
    assert await events_of(mongo, thread["consultation_id"], "post.edited") == 2


async def test_only_the_author_edits(
    api: httpx.AsyncClient, mongo: Mongo, thread: dict[str, Any],
) -> None:
    written = await post(api, thread, "Mine", account="ed")
    before = await counts(mongo)
    for headers in (auth("eve"), MODERATOR):
        reply = await api.patch(f"/v1/posts/{written['id']}", json={"body": "Yours now"},
                                headers=headers)
        assert_problem(reply, 403)
    assert_problem(await api.patch(f"/v1/posts/{written['id']}", json={"body": ""},
                                   headers=auth("ed")), 422, "body")
    assert_problem(await api.patch("/v1/posts/000000000000000000000000", json={"body": "x"},
                                   headers=auth("ed")), 404)
    assert await counts(mongo) == before
    assert (await api.get(f"/v1/posts/{written['id']}")).json()["body"] == "Mine"


async def test_moderators_pin_announcements_shown_with_the_first_page(
    api: httpx.AsyncClient, mongo: Mongo, thread: dict[str, Any],
) -> None:
    announcement = await post(api, thread, "Welcome! Read the charter.", account="mod")
    for i in range(3):
        await post(api, thread, f"p{i}")
    before = await counts(mongo)
    refused = await api.put(f"/v1/posts/{announcement['id']}/pin", json={"pinned": True},
                            headers=auth("ana"))
    assert_problem(refused, 403)
    assert await counts(mongo) == before
    pinned = await api.put(f"/v1/posts/{announcement['id']}/pin", json={"pinned": True},
                           headers=MODERATOR)
    assert pinned.json()["pinned"] is True
    first = (await api.get(f"/v1/threads/{thread['id']}/posts", params={"limit": 2})).json()
    assert [p["id"] for p in first["pinned"]] == [announcement["id"]]
    second = (await api.get(f"/v1/threads/{thread['id']}/posts",
                            params={"limit": 2, "cursor": first["next_cursor"]})).json()
    assert second["pinned"] == []


async def test_page_size_is_bounded(api: httpx.AsyncClient, thread: dict[str, Any]) -> None:
    reply = await api.get(f"/v1/threads/{thread['id']}/posts", params={"limit": 1000})
    assert_problem(reply, 422, "query.limit")


async def test_written_posts_come_back_under_their_authors_public_name(
    api: httpx.AsyncClient, work_dir: Path,
) -> None:
    """The answers to writing, editing and moderating a post name its author as reads do
    (they used to carry `author_name: null`)."""
    consultation = await phased(api, "ideation")
    thread = await thread_in(api, consultation)
    ada = await new_account(api, work_dir / "mail")
    named = await api.put(f"/v1/consultations/{consultation['id']}/pseudonym",
                          json={"pseudonym": "Heron"}, headers=ada.headers)
    assert named.status_code == 204, named.text
    written = await api.post(f"/v1/threads/{thread['id']}/posts", json={"body": "Trains"},
                             headers=ada.headers)
    assert written.status_code == 201, written.text
    assert written.json()["author_name"] == "Heron"
    edited = await api.patch(f"/v1/posts/{written.json()['id']}", json={"body": "Night trains"},
                             headers=ada.headers)
    assert edited.json()["author_name"] == "Heron"
    hidden = await api.post(f"/v1/posts/{written.json()['id']}/moderation",
                            json={"action": "hide", "reason": "test"}, headers=MODERATOR)
    assert hidden.json()["author_name"] == "Heron"
