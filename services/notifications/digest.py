"""Daily and weekly digests: once a window has ended, one mail per account that had
something in it, grouped by consultation and theme (compose.py), never an empty one.

One replica writes digests at a time (a lease), and each (cadence, window, account) has
a unique record written in the same transaction as its mail and the "digested" marks:
a second replica, or a rerun after a crash, finds the record and writes nothing.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict

from agora_kit.clock import now
from agora_kit.lease import Lease
from agora_kit.mongo import Client, Database, Session
from agora_kit.transactions import run
from services.notifications.kinds import DIGESTS
from services.notifications.metrics import DIGEST_SECONDS, DIGESTS_WRITTEN
from services.notifications.preferences import Preferences
from services.notifications.windows import Windows

DIGESTS_COLLECTION = "digests"


class Digests:
    def __init__(self, mongo: Client, db: Database, *, windows: Windows,
                 preferences: Preferences, wake_mailer: asyncio.Event) -> None:
        self._mongo = mongo
        self._notifications = db["notifications"]
        self._digests = db[DIGESTS_COLLECTION]
        self._mails = db["mails"]
        self._windows = windows
        self._preferences = preferences
        self._wake = wake_mailer
        self.lease = Lease(db, "notifications-digests", ttl_seconds=30.0)

    async def ensure_indexes(self) -> None:
        await self._notifications.create_index(
            [("digest", 1), ("digested", 1), ("digest_window", 1)])

    async def tick(self) -> int:
        """Write the digests of every ended window; how many were written."""
        written = 0
        for cadence in DIGESTS:
            started = time.monotonic()
            count = await self.write(cadence, self._windows.of(cadence, now()))
            if count:
                DIGEST_SECONDS.labels(cadence).observe(time.monotonic() - started)
            written += count
        return written

    async def write(self, cadence: str, before_window: int) -> int:
        pending: dict[tuple[str, int], list[str]] = defaultdict(list)
        async for doc in self._notifications.find(
                {"digest": cadence, "digested": False,
                 "digest_window": {"$lt": before_window}},
                {"account_id": 1, "digest_window": 1}).sort("_id", 1):
            pending[(doc["account_id"], doc["digest_window"])].append(doc["_id"])
        written = 0
        for (account_id, window), ids in pending.items():
            if await self._one(cadence, account_id, window, ids):
                written += 1
        if written:
            DIGESTS_WRITTEN.labels(cadence).inc(written)
            self._wake.set()
        return written

    async def _one(self, cadence: str, account_id: str, window: int, ids: list[str]) -> bool:
        key = f"{cadence}:{window}:{account_id}"
        wanted = await self._preferences.digest_email_on(account_id, cadence)

        async def work(session: Session) -> bool:
            await self._notifications.update_many(
                {"_id": {"$in": ids}}, {"$set": {"digested": True}}, session=session)
            if not wanted or await self._digests.find_one({"_id": key}, session=session):
                return False
            await self._digests.insert_one(
                {"_id": key, "account_id": account_id, "cadence": cadence, "window": window,
                 "items": len(ids), "at": now()}, session=session)
            await self._mails.insert_one(
                {"_id": f"digest:{key}", "account_id": account_id, "kind": f"digest:{cadence}",
                 "consultation_id": "", "notification_ids": ids, "status": "pending",
                 "attempts": 0, "created_at": now()}, session=session)
            return True

        return await run(self._mongo, work)
