"""Helpers for the debate's tests: phased consultations, tokens with roles, counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from pymongo import AsyncMongoClient

from tests.helpers import auth

PHASES = ("appropriation", "ideation", "deepening", "prioritisation", "deliverable")
OPERATOR = auth("op", "operator")
STRATEGIST = auth("strat", "strategist")
MODERATOR = auth("mod", "moderator")
COLLECTIONS = ("consultations", "threads", "posts", "post_revisions", "reactions", "reports",
               "resources", "moderation_log", "workshop_imports", "outbox")


def schedule(current: str, days: int = 7) -> list[dict[str, str]]:
    """The five phases, `days` long each, dated so that `current` runs now."""
    start = datetime.now(UTC) - timedelta(days=days * PHASES.index(current) + 1)
    return [{"kind": kind,
             "starts_at": (start + timedelta(days=days * i)).isoformat(),
             "ends_at": (start + timedelta(days=days * (i + 1))).isoformat()}
            for i, kind in enumerate(PHASES)]


async def phased(api: httpx.AsyncClient, current: str = "ideation", *,
                 pre_moderation: bool = False) -> dict[str, Any]:
    """A consultation of four themes with sub-themes, in phase `current`."""
    reply = await api.post("/v1/consultations", headers=OPERATOR, json={
        "title": "The future of work", "languages": ["en", "fr"],
        "question": "How will we work in 2035?",
        "description": "Automation, remote work and longer careers change work.",
        "step_after": "The council votes on the top ten recommendations in June.",
        "themes": [{"title": f"Theme {i}", "sub_themes": [f"Sub {i}.a", f"Sub {i}.b"]}
                   for i in range(4)],
        "phases": schedule(current), "pre_moderation": pre_moderation,
    })
    assert reply.status_code == 201, reply.text
    body: dict[str, Any] = reply.json()
    return body


async def thread_in(api: httpx.AsyncClient, consultation: dict[str, Any]) -> dict[str, Any]:
    reply = await api.post(f"/v1/consultations/{consultation['id']}/threads",
                           json={"theme_id": consultation["themes"][0]["id"], "title": "Ideas"},
                           headers=auth("opener"))
    assert reply.status_code == 201, reply.text
    body: dict[str, Any] = reply.json()
    return body


async def post(api: httpx.AsyncClient, thread: dict[str, Any], body: str = "An idea",
               account: str = "ana", **extra: Any) -> dict[str, Any]:
    reply = await api.post(f"/v1/threads/{thread['id']}/posts", json={"body": body, **extra},
                           headers=auth(account))
    assert reply.status_code == 201, reply.text
    created: dict[str, Any] = reply.json()
    return created


async def counts(mongo: AsyncMongoClient[dict[str, object]]) -> tuple[int, ...]:
    """Documents in every collection of the threads service: a write leaves a trace here."""
    db = mongo["agora_threads"]
    return tuple([await db[c].count_documents({}) for c in COLLECTIONS])


async def events_of(mongo: AsyncMongoClient[dict[str, object]], consultation_id: str,
                    event_type: str) -> int:
    subject = f"agora.{consultation_id}.{event_type}"
    return await mongo["agora_threads"]["outbox"].count_documents({"subject": subject})


async def author_key(api: httpx.AsyncClient, consultation_id: str,
                     headers: dict[str, str]) -> str:
    """The caller's author key in the consultation (what their posts carry)."""
    reply = await api.get(f"/v1/consultations/{consultation_id}/pseudonym", headers=headers)
    assert reply.status_code == 200, reply.text
    key: str = reply.json()["author_key"]
    return key
