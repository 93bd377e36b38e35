"""Ballots read a consultation's phases from an in-process copy at most a second old: on a
manual clock, the copy is served until the second is up, then read again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import AsyncMongoClient

from agora_kit.clock import ManualClock
from agora_kit.ids import new_id
from services.voting.phases import CACHE_SECONDS, PhaseBook


async def test_the_copy_is_served_until_its_second_is_up(
        mongo: AsyncMongoClient[dict[str, Any]]) -> None:
    db = mongo[f"agora_test_phase_cache_{new_id()}"]
    clock = ManualClock()
    book = PhaseBook(db, "127.0.0.1:1", clock=clock)  # no threads: only the read model
    start = datetime.now(UTC).replace(microsecond=0)

    def phase(kind: str) -> dict[str, Any]:
        return {"kind": kind, "starts_at": start, "ends_at": start + timedelta(days=1)}

    await db["consultation_phases"].insert_one(
        {"_id": "c1", "phases": [phase("ideation")], "as_of": start})
    assert [s.kind for s in await book.spans("c1")] == ["ideation"]
    await db["consultation_phases"].update_one(
        {"_id": "c1"}, {"$set": {"phases": [phase("prioritisation")]}})
    clock.advance(CACHE_SECONDS - 0.001)
    assert [s.kind for s in await book.spans("c1")] == ["ideation"]  # the copy
    clock.advance(0.001)
    assert [s.kind for s in await book.spans("c1")] == ["prioritisation"]  # read again
