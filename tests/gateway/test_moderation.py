"""Moderation over HTTP: reports, queue, hide with a reason, restore, log, pre-moderation,
and XSS payloads that never come back executable."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from tests.debate import MODERATOR, counts, events_of, phased, post, thread_in
from tests.gateway.test_problems import assert_problem
from tests.helpers import auth

Mongo = AsyncMongoClient[dict[str, object]]
PLACEHOLDER = "<p><em>This contribution was hidden by the moderators.</em></p>"


@pytest.fixture
async def thread(api: httpx.AsyncClient) -> dict[str, Any]:
    return await thread_in(api, await phased(api, "ideation"))


async def test_report_queue_hide_restore_and_log(
    api: httpx.AsyncClient, mongo: Mongo, thread: dict[str, Any],
) -> None:
    consultation_id = thread["consultation_id"]
    rude = await post(api, thread, "You are all idiots", account="troll")
    await post(api, thread, "A fine idea", account="ana")
    reported = await api.post(f"/v1/posts/{rude['id']}/reports",
                              json={"reason": "abuse", "note": "insults"}, headers=auth("ana"))
    assert reported.status_code == 201, reported.text
    twice = await api.post(f"/v1/posts/{rude['id']}/reports", json={"reason": "abuse"},
                           headers=auth("ana"))
    assert twice.json()["id"] == reported.json()["id"]

    queue_url = f"/v1/consultations/{consultation_id}/moderation/queue"
    assert_problem(await api.get(queue_url, headers=auth("ana")), 403)
    queue = (await api.get(queue_url, headers=MODERATOR)).json()
    assert [i["post"]["id"] for i in queue["items"]] == [rude["id"]]
    assert queue["items"][0]["reports"][0]["reason"] == "abuse"

    hidden = await api.post(f"/v1/posts/{rude['id']}/moderation",
                            json={"action": "hide", "reason": "Insults break the charter"},
                            headers=MODERATOR)
    assert hidden.status_code == 200, hidden.text
    assert (await api.get(queue_url, headers=MODERATOR)).json()["items"] == []

    public = (await api.get(f"/v1/posts/{rude['id']}")).json()
    assert (public["status"], public["body"], public["body_html"]) == ("hidden", "", PLACEHOLDER)
    assert public["hidden_reason"] is None
    page = (await api.get(f"/v1/threads/{thread['id']}/posts", headers=auth("ana"))).json()
    assert "idiots" not in str(page)
    author = (await api.get(f"/v1/posts/{rude['id']}", headers=auth("troll"))).json()
    assert author["hidden_reason"] == "Insults break the charter"

    restored = await api.post(f"/v1/posts/{rude['id']}/moderation", json={"action": "restore"},
                              headers=MODERATOR)
    assert restored.json()["status"] == "visible"
    assert (await api.get(f"/v1/posts/{rude['id']}")).json()["body"] == "You are all idiots"

    log = (await api.get(f"/v1/consultations/{consultation_id}/moderation/log",
                         headers=MODERATOR)).json()["items"]
    assert [(e["action"], e["moderator_id"]) for e in log] == [("hide", "mod"), ("restore", "mod")]
    assert log[0]["reason"] == "Insults break the charter"
    for event_type in ("moderation.post_reported", "moderation.post_hidden",
                       "moderation.post_restored"):
        assert await events_of(mongo, consultation_id, event_type) == 1


@pytest.mark.parametrize(("headers", "payload", "status"), [
    (auth("ana"), {"action": "hide", "reason": "mine"}, 403),
    (MODERATOR, {"action": "hide"}, 422),
    (MODERATOR, {"action": "delete", "reason": "x"}, 422),
    (MODERATOR, {"action": "restore"}, 409),
    (MODERATOR, {"action": "approve"}, 409),
    (MODERATOR, {"action": "hide", "reason": "x" * 501}, 422),
])
async def test_bad_moderation_is_refused_and_logs_nothing(
    api: httpx.AsyncClient, mongo: Mongo, thread: dict[str, Any], headers: dict[str, str],
    payload: dict[str, Any], status: int,
) -> None:
    written = await post(api, thread)
    before = await counts(mongo)
    reply = await api.post(f"/v1/posts/{written['id']}/moderation", json=payload,
                           headers=headers)
    assert_problem(reply, status)
    assert await counts(mongo) == before


@pytest.mark.parametrize(("payload", "status"), [
    ({"reason": "boring"}, 422), ({"reason": "spam", "note": "x" * 1001}, 422), ({}, 422),
])
async def test_bad_reports_are_refused(
    api: httpx.AsyncClient, mongo: Mongo, thread: dict[str, Any], payload: dict[str, Any],
    status: int,
) -> None:
    written = await post(api, thread)
    before = await counts(mongo)
    assert_problem(await api.post(f"/v1/posts/{written['id']}/reports", json=payload,
                                  headers=auth("ana")), status)
    assert_problem(await api.post("/v1/posts/000000000000000000000000/reports",
                                  json={"reason": "spam"}, headers=auth("ana")), 404)
    assert await counts(mongo) == before


async def test_pre_moderation_holds_posts_until_approved(
    api: httpx.AsyncClient, mongo: Mongo,
) -> None:
    thread = await thread_in(api, await phased(api, "ideation", pre_moderation=True))
    held = await post(api, thread, "Sensitive testimony", account="witness")
    assert held["status"] == "pending"
    assert (await api.get(f"/v1/threads/{thread['id']}/posts")).json()["items"] == []
    assert await events_of(mongo, thread["consultation_id"], "post.created") == 0
    queue = (await api.get(f"/v1/consultations/{thread['consultation_id']}/moderation/queue",
                           headers=MODERATOR)).json()
    assert [i["post"]["id"] for i in queue["items"]] == [held["id"]]
    # Held: it does not exist for anyone but its author and the moderators.
    assert_problem(await api.put(f"/v1/posts/{held['id']}/reaction", json={"kind": "like"},
                                 headers=auth("ana")), 404)
    assert_problem(await api.put(f"/v1/posts/{held['id']}/reaction", json={"kind": "like"},
                                 headers=auth("witness")), 409)
    approved = await api.post(f"/v1/posts/{held['id']}/moderation", json={"action": "approve"},
                              headers=MODERATOR)
    assert approved.json()["status"] == "visible"
    page = (await api.get(f"/v1/threads/{thread['id']}/posts")).json()
    assert [p["id"] for p in page["items"]] == [held["id"]]
    assert await events_of(mongo, thread["consultation_id"], "post.created") == 1


SAFE_TAGS = {"p", "br", "em", "strong", "code", "pre", "a", "blockquote", "ul", "ol", "li"}


class Elements(HTMLParser):
    """Every element and attribute a browser would build from the HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


def assert_inert(html: str) -> None:
    """Parsed as a browser would: only harmless tags, no handlers, no script URLs."""
    parser = Elements()
    parser.feed(html)
    for tag, attrs in parser.found:
        assert tag in SAFE_TAGS, html
        for name, value in attrs:
            assert not name.startswith("on"), html
            assert not (value or "").strip().lower().startswith(("javascript:", "data:")), html


XSS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "<svg/onload=alert(1)>",
    '<iframe src="https://evil.example"></iframe>',
    '"><script>alert(document.cookie)</script>',
    "<scr<script>ipt>alert(1)</script>",
]


@pytest.mark.parametrize("payload", XSS)
@pytest.mark.parametrize("post_format", ["plain", "markdown"])
async def test_xss_payloads_come_back_inert_in_posts_edits_and_revisions(
    api: httpx.AsyncClient, thread: dict[str, Any], payload: str, post_format: str,
) -> None:
    written = await post(api, thread, payload, account="xss", format=post_format)
    await api.patch(f"/v1/posts/{written['id']}", json={"body": payload + " (edited)",
                                                        "format": post_format},
                    headers=auth("xss"))
    shown = (await api.get(f"/v1/posts/{written['id']}")).json()
    history = (await api.get(f"/v1/posts/{written['id']}/revisions")).json()["items"]
    for html in (shown["body_html"], history[0]["body_html"]):
        assert_inert(html)
    assert shown["body"] == payload + " (edited)"  # the text as written is kept, as text


async def test_hidden_and_held_text_never_leaks_through_other_reads(
    api: httpx.AsyncClient,
) -> None:
    thread = await thread_in(api, await phased(api, "ideation", pre_moderation=True))
    held = await post(api, thread, "Held secret", account="witness")
    assert_problem(await api.get(f"/v1/posts/{held['id']}", headers=auth("nosy")), 404)
    assert_problem(await api.get(f"/v1/posts/{held['id']}/revisions"), 404)
    own = (await api.get(f"/v1/posts/{held['id']}", headers=auth("witness"))).json()
    assert own["body"] == "Held secret"
    await api.patch(f"/v1/posts/{held['id']}", json={"body": "Held, edited"},
                    headers=auth("witness"))
    await api.post(f"/v1/posts/{held['id']}/moderation", json={"action": "approve"},
                   headers=MODERATOR)
    await api.post(f"/v1/posts/{held['id']}/moderation",
                   json={"action": "hide", "reason": "names a person"}, headers=MODERATOR)
    public = (await api.get(f"/v1/posts/{held['id']}/revisions")).json()["items"]
    assert public == []
    mine = (await api.get(f"/v1/posts/{held['id']}/revisions",
                          headers=auth("witness"))).json()["items"]
    assert [r["body"] for r in mine] == ["Held secret"]
