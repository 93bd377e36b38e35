"""The kit's one commit: work and outbox in one transaction, conflicts rerun, relay woken."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from agora.v1 import identity_pb2
from agora_kit import transactions
from agora_kit.errors import Conflict
from agora_kit.events.catalog import EVENTS
from agora_kit.events.envelope import new_envelope
from agora_kit.events.outbox import OUTBOX_COLLECTION, Outbox
from agora_kit.ids import new_id
from agora_kit.mongo import Session

Mongo = AsyncMongoClient[dict[str, Any]]


async def test_concurrent_writes_to_one_document_all_commit_once(mongo: Mongo) -> None:
    """Twenty transactions incrementing one counter conflict with each other on the server;
    each is rerun until it commits, so the counter ends at exactly twenty."""
    counters = mongo["agora_test_transactions"][f"c{new_id()}"]
    await counters.insert_one({"_id": "n", "value": 0})
    retries = 0

    def retried() -> None:
        nonlocal retries
        retries += 1

    async def increment(session: Session) -> None:
        current = await counters.find_one({"_id": "n"}, session=session)
        assert current is not None
        await asyncio.sleep(0.01)  # hold the snapshot so the others overlap
        await counters.update_one({"_id": "n"}, {"$set": {"value": current["value"] + 1}},
                                  session=session)

    await asyncio.gather(*(transactions.run(mongo, increment, on_retry=retried)
                           for _ in range(20)))
    assert await counters.find_one({"_id": "n"}) == {"_id": "n", "value": 20}
    assert retries > 0  # they did conflict: the reruns are what kept the count exact


async def test_a_conflict_the_work_raises_is_rerun_up_to_the_attempts(mongo: Mongo) -> None:
    calls = 0

    async def flaky(session: Session) -> str:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise Conflict("not yet")
        return "done"

    assert await transactions.run(mongo, flaky, attempts=3) == "done"
    calls = -10
    with pytest.raises(Conflict, match="retry"):
        await transactions.run(mongo, flaky, attempts=3)
    assert calls == -7  # exactly three attempts, then the caller's 409


async def test_another_error_is_not_rerun_and_leaves_nothing(mongo: Mongo) -> None:
    collection = mongo["agora_test_transactions"][f"c{new_id()}"]
    calls = 0

    async def broken(session: Session) -> None:
        nonlocal calls
        calls += 1
        await collection.insert_one({"_id": "half"}, session=session)
        raise ValueError("a bug, not a conflict")

    with pytest.raises(ValueError, match="a bug"):
        await transactions.run(mongo, broken)
    assert calls == 1
    assert await collection.count_documents({}) == 0  # rolled back


async def test_commit_writes_the_event_with_the_change_and_wakes_the_relay(mongo: Mongo) -> None:
    db = mongo[f"agora_test_commit_{new_id()}"]
    woken = asyncio.Event()
    outbox = Outbox(db, on_added=woken)
    envelope = new_envelope(event_type=EVENTS.user_registered, consultation_id="", actor="a",
                            payload=identity_pb2.UserRegistered(account_id="a"))

    async def work(session: Session, box: Outbox) -> str:
        await db["accounts"].insert_one({"_id": "a"}, session=session)
        await box.add(envelope, session=session)
        return "a"

    assert await transactions.commit(mongo, outbox, work) == "a"
    assert woken.is_set()
    assert await db["accounts"].count_documents({}) == 1
    record = await db[OUTBOX_COLLECTION].find_one({"_id": envelope.event_id})
    assert record is not None
    assert record["subject"] == "agora._.user.registered"
