"""A dead instance's open transaction is ended by a live one as soon as its heartbeat
lapses; a live instance's is left alone, and one reaped while paused records again."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from pymongo import ASCENDING
from pymongo.errors import OperationFailure

from agora_kit.instances import COLLECTION, Instance
from agora_kit.mongo import ServiceClient, Session
from agora_kit.transactions import run

LAPSE = 1.0
WRITE_CONFLICT = 112


@pytest.fixture
async def client(mongo_uri: str) -> Any:
    client = ServiceClient(mongo_uri, tz_aware=True)
    yield client
    await client.close()


async def abandoned_insert(client: ServiceClient, instance: Instance, db: str,
                           document: Any) -> Session:
    """A transaction that writes and is left open, as by a process that died."""
    session = client.start_session()
    await instance.record(session)
    await session.start_transaction()
    await client[db]["posts"].insert_one(document, session=session)
    return session


async def insert_in_transaction(client: ServiceClient, db: str, document: Any) -> None:
    async def work(session: Session) -> None:
        await client[db]["posts"].insert_one(document, session=session)

    await asyncio.wait_for(run(client, work), 5)


async def conflicts(client: ServiceClient, db: str, document: Any) -> bool:
    """Whether a write of the same key fails on the open transaction's write."""
    session = client.start_session()
    try:
        await session.start_transaction()
        await client[db]["posts"].insert_one(document, session=session)
        await session.abort_transaction()
        return False
    except OperationFailure as error:
        return error.code == WRITE_CONFLICT and error.has_error_label(
            "TransientTransactionError")
    finally:
        await session.end_session()


async def test_a_lapsed_instance_has_its_transactions_ended(client: ServiceClient) -> None:
    db = f"instances_{uuid.uuid4().hex[:8]}"
    await client[db]["posts"].create_index([("key", ASCENDING)], unique=True)
    dead = Instance(client, client[db], service="test", lapse_seconds=LAPSE)
    live = Instance(client, client[db], service="test", lapse_seconds=LAPSE)
    await dead.beat()
    await live.beat()
    await abandoned_insert(client, dead, db, {"_id": "first", "key": "k"})
    assert await conflicts(client, db, {"_id": "retry", "key": "k"})

    assert await live.reap() == 0  # the dead one's heartbeat has not lapsed yet
    assert await conflicts(client, db, {"_id": "retry", "key": "k"})
    await asyncio.sleep(LAPSE + 0.2)
    await live.beat()
    assert await live.reap() == 1
    await insert_in_transaction(client, db, {"_id": "retry", "key": "k"})  # no conflict
    assert await client[db]["posts"].count_documents({}) == 1
    assert await client[db][COLLECTION].count_documents({"_id": dead.id}) == 0
    await client.drop_database(db)


async def test_a_live_instance_keeps_its_transaction(client: ServiceClient) -> None:
    db = f"instances_{uuid.uuid4().hex[:8]}"
    await client[db]["posts"].create_index([("key", ASCENDING)], unique=True)
    busy = Instance(client, client[db], service="test", lapse_seconds=LAPSE)
    other = Instance(client, client[db], service="test", lapse_seconds=LAPSE)
    await busy.beat()
    session = await abandoned_insert(client, busy, db, {"_id": "mine", "key": "k"})
    for _ in range(3):  # it keeps beating while its transaction is open
        await asyncio.sleep(LAPSE / 2)
        await busy.beat()
        assert await other.reap() == 0
    await session.commit_transaction()
    await session.end_session()
    assert await client[db]["posts"].count_documents({"_id": "mine"}) == 1
    await client.drop_database(db)


@pytest.mark.parametrize("first", ["heartbeat", "new session"])
async def test_an_instance_reaped_while_paused_records_its_sessions_again(
    client: ServiceClient, first: str,
) -> None:
    db = f"instances_{uuid.uuid4().hex[:8]}"
    paused = Instance(client, client[db], service="test", lapse_seconds=LAPSE)
    other = Instance(client, client[db], service="test", lapse_seconds=LAPSE)
    old, new = client.start_session(), client.start_session()
    await paused.record(old)
    await asyncio.sleep(LAPSE + 0.2)
    assert await other.reap() == 1
    # It resumes, and whichever write recreates its record, it forgets what it recorded.
    if first == "heartbeat":
        await paused.beat()
    else:
        await paused.record(new)
        await paused.beat()
    await paused.record(old)
    stored = await client[db][COLLECTION].find_one({"_id": paused.id})
    assert stored is not None
    assert old.session_id["id"] in stored["lsids"]
    for session in (old, new):
        await session.end_session()
    await client.drop_database(db)
