"""Resources per theme and fact-checks on posts, over HTTP."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from tests.debate import author_key, counts, events_of, phased, post, thread_in
from tests.gateway.test_problems import assert_problem
from tests.helpers import auth

Mongo = AsyncMongoClient[dict[str, object]]
KNOWLEDGE = auth("kim", "knowledge_manager")
EXPERT = auth("dr", "expert")


async def test_knowledge_managers_publish_resources_per_theme(
    api: httpx.AsyncClient, mongo: Mongo,
) -> None:
    consultation = await phased(api, "appropriation")
    themes = consultation["themes"]
    url = f"/v1/consultations/{consultation['id']}/resources"
    created = await api.post(url, headers=KNOWLEDGE, json={
        "theme_id": themes[1]["id"], "title": "Jobs report 2025",
        "body": "Key figures <script>alert(1)</script> **here**",
        "links": ["https://example.org/report.pdf"]})
    assert created.status_code == 201, created.text
    assert "<script" not in created.json()["body_html"]
    assert "<strong>here</strong>" in created.json()["body_html"]
    listed = (await api.get(url, params={"theme_id": themes[1]["id"]})).json()["items"]
    assert [r["title"] for r in listed] == ["Jobs report 2025"]
    assert (await api.get(url, params={"theme_id": themes[0]["id"]})).json()["items"] == []
    assert await events_of(mongo, consultation["id"], "resource.published") == 1


@pytest.mark.parametrize(("headers", "change", "status", "field"), [
    (auth("ana"), {}, 403, None),
    (KNOWLEDGE, {"links": ["javascript:alert(1)"]}, 422, "links.0"),
    (KNOWLEDGE, {"links": ["ftp://x.org/a"]}, 422, "links.0"),
    (KNOWLEDGE, {"theme_id": "000000000000000000000000"}, 422, "theme_id"),
    (KNOWLEDGE, {"title": ""}, 422, "title"),
])
async def test_bad_resources_are_refused(
    api: httpx.AsyncClient, mongo: Mongo, headers: dict[str, str], change: dict[str, Any],
    status: int, field: str | None,
) -> None:
    consultation = await phased(api, "appropriation")
    before = await counts(mongo)
    reply = await api.post(f"/v1/consultations/{consultation['id']}/resources", headers=headers,
                           json={"theme_id": consultation["themes"][0]["id"], "title": "t",
                                 "body": "b", **change})
    assert_problem(reply, status, field)
    assert await counts(mongo) == before


async def test_experts_fact_check_posts_shown_with_the_post(
    api: httpx.AsyncClient, mongo: Mongo,
) -> None:
    thread = await thread_in(api, await phased(api, "ideation"))
    claim = await post(api, thread, "Half of all jobs will vanish by 2030")
    url = f"/v1/posts/{claim['id']}/fact-check"
    before = await counts(mongo)
    assert_problem(await api.put(url, json={"status": "misleading"}, headers=auth("ana")), 403)
    assert_problem(await api.put(url, json={"status": "fake"}, headers=EXPERT), 422, "status")
    assert_problem(await api.put(url, json={"status": "misleading",
                                            "sources": ["javascript:x"]}, headers=EXPERT),
                   422, "sources.0")
    assert await counts(mongo) == before
    checked = await api.put(url, headers=EXPERT, json={
        "status": "needs_context", "note": "Estimates range from 9% to 47%.",
        "sources": ["https://www.oecd.org/employment/"]})
    assert checked.status_code == 200, checked.text
    page = (await api.get(f"/v1/threads/{thread['id']}/posts")).json()["items"]
    assert page[0]["fact_check"]["status"] == "needs_context"
    assert page[0]["fact_check"]["expert_key"] == await author_key(
        api, thread["consultation_id"], EXPERT)
    assert await events_of(mongo, thread["consultation_id"], "post.fact_checked") == 1
