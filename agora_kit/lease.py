"""Named leases in MongoDB: at most one live holder, lost unless renewed.

Used so that one replica of a service runs its outbox relay while the others stand by.
A lease is an optimisation, not a correctness guarantee: a holder paused past its expiry
may still publish once more, which JetStream deduplication and idempotent consumers
already make harmless.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import uuid
from datetime import timedelta

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from agora_kit.clock import now
from agora_kit.mongo import Database

LEASES_COLLECTION = "leases"


def holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Lease:
    def __init__(self, db: Database, name: str, *, holder: str | None = None,
                 ttl_seconds: float = 10.0) -> None:
        self._collection = db[LEASES_COLLECTION]
        self.name = name
        self.holder = holder or holder_id()
        self._ttl = timedelta(seconds=ttl_seconds)
        self._held_until = now()

    async def acquire(self) -> bool:
        """True if this holder has the lease now (renewing it when half its time is used)."""
        current = now()
        if current < self._held_until - self._ttl / 2:
            return True
        try:
            document = await self._collection.find_one_and_update(
                {"_id": self.name,
                 "$or": [{"holder": self.holder}, {"expires_at": {"$lt": current}}]},
                {"$set": {"holder": self.holder, "expires_at": current + self._ttl}},
                upsert=True,
                return_document=ReturnDocument.AFTER,
            )
        except DuplicateKeyError:  # another live holder: our upsert collided with its lease
            return False
        held = document is not None and document["holder"] == self.holder
        self._held_until = current + self._ttl if held else current
        return held

    async def release(self) -> None:
        await self._collection.delete_one({"_id": self.name, "holder": self.holder})
        self._held_until = now()

    async def keep(self) -> None:
        """Renew the lease every quarter of its time until cancelled, for work that runs
        longer than it (a vote's count, a deliverable): a missed renewal is retried by the
        next one, well before the lease lapses."""
        while True:
            await asyncio.sleep(self._ttl.total_seconds() / 4)
            with contextlib.suppress(Exception):
                await self.acquire()
