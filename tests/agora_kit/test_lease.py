"""One live holder per lease; a holder that stops renewing is replaced after the TTL."""

from __future__ import annotations

import asyncio
import uuid

from agora_kit.lease import Lease
from agora_kit.mongo import Client


async def test_only_one_holder_until_the_lease_expires(mongo: Client) -> None:
    db = mongo[f"lease_{uuid.uuid4().hex[:8]}"]
    first, second = (Lease(db, "relay", ttl_seconds=1.0) for _ in range(2))
    results = await asyncio.gather(first.acquire(), second.acquire())
    assert sorted(results) == [False, True]
    holder, other = (first, second) if results[0] else (second, first)
    assert await holder.acquire()
    assert not await other.acquire()
    await asyncio.sleep(1.2)  # the holder stops renewing
    assert await other.acquire()
    assert not await holder.acquire()


async def test_released_lease_is_taken_at_once(mongo: Client) -> None:
    db = mongo[f"lease_{uuid.uuid4().hex[:8]}"]
    first, second = Lease(db, "relay"), Lease(db, "relay")
    assert await first.acquire()
    assert not await second.acquire()
    await first.release()
    assert await second.acquire()
