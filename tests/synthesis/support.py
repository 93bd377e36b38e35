"""Helpers for the synthesis tests: a consultation with posts, extracts through the API,
and the synthesis service's collections (a refused request must leave them unchanged)."""

from __future__ import annotations

from typing import Any

import httpx
from pymongo import AsyncMongoClient

from tests.helpers import auth, create_consultation, create_thread

SYNTHESIS_DB = "agora_synthesis"
CATCHER = auth("catcher", "idea_catcher")
SYNTHESISER = auth("writer", "synthesiser")
COLLECTIONS = ("extracts", "outbox")
Json = dict[str, Any]


async def debate(api: httpx.AsyncClient, *bodies: str,
                 author: str = "ana") -> tuple[Json, list[Json]]:
    """A consultation with one thread and a post per body (written by `author`)."""
    consultation = await create_consultation(api)
    thread = await create_thread(api, consultation)
    posts = []
    for body in bodies:
        reply = await api.post(f"/v1/threads/{thread['id']}/posts", json={"body": body},
                               headers=auth(author))
        assert reply.status_code == 201, reply.text
        posts.append(reply.json())
    return consultation, posts


def extracts_url(consultation: Json) -> str:
    return f"/v1/consultations/{consultation['id']}/extracts"


async def file_extract(api: httpx.AsyncClient, consultation: Json, post: Json, passage: str,
                       *, nature: str = "actionable_solution",
                       headers: dict[str, str] = CATCHER) -> httpx.Response:
    start = str(post["body"]).index(passage)
    return await api.post(extracts_url(consultation), headers=headers, json={
        "post_id": post["id"], "start": start, "end": start + len(passage), "nature": nature})


def quote(extract: Json) -> str | None:
    found = [s["exact"] for s in extract["selectors"] if s["type"] == "TextQuoteSelector"]
    return found[0] if found else None


async def counts(mongo: AsyncMongoClient[dict[str, object]]) -> tuple[int, ...]:
    db = mongo[SYNTHESIS_DB]
    return tuple([await db[c].count_documents({}) for c in COLLECTIONS])
