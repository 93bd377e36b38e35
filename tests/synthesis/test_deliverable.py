"""The deliverable's refusals over HTTP: each a problem+json, and nothing written."""

from __future__ import annotations

from typing import Any

import httpx
from pymongo import AsyncMongoClient

from tests.helpers import auth, create_consultation
from tests.synthesis.test_end_to_end import STRATEGIST, deliverable_collections

Mongo = AsyncMongoClient[dict[str, Any]]


async def test_bad_requests_are_refused_and_write_nothing(api: httpx.AsyncClient,
                                                          mongo: Mongo) -> None:
    consultation = await create_consultation(api)  # states no step after
    base = f"/v1/consultations/{consultation['id']}"
    before = await deliverable_collections(mongo)
    cases = [
        ({}, STRATEGIST, 422, "step_after"),  # none given, none in the consultation
        ({"step_after": "   "}, STRATEGIST, 422, "step_after"),
        ({"step_after": "x" * 2001}, STRATEGIST, 422, "step_after"),
        ({"step_after": "Votes"}, auth("pat"), 403, None),
        ({"step_after": "Votes"}, auth("syn", "synthesiser"), 403, None),
    ]
    for body, headers, status, field in cases:
        reply = await api.post(f"{base}/deliverables", json=body, headers=headers)
        assert reply.status_code == status, (body, reply.text)
        assert reply.headers["content-type"].startswith("application/problem+json")
        if field is not None:
            assert field in {e["field"] for e in reply.json().get("errors", [])} \
                or reply.json().get("field") == field, reply.text
    unknown = await api.post(f"/v1/consultations/{'0' * 24}/deliverables",
                             json={"step_after": "Votes"}, headers=STRATEGIST)
    assert unknown.status_code == 404, unknown.text
    assert await deliverable_collections(mongo) == before
    for url, status in ((f"{base}/deliverables/1", 404), (f"{base}/deliverables/1/pdf", 404),
                        (f"{base}/deliverables/0", 404), (f"{base}/deliverables/1/docx", 422),
                        (f"{base}/deliverable-jobs/{'0' * 24}", 404)):
        reply = await api.get(url, headers=STRATEGIST)
        assert reply.status_code == status, (url, reply.text)
    for cursor in ("", "f" * 24):  # any id is a position; past the last reads nothing
        listed = await api.get(f"{base}/deliverables", params={"cursor": cursor})
        assert listed.json() == {"items": [], "next_cursor": None}, listed.text
