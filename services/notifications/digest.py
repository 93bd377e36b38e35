"""Daily and weekly digests: once a window has ended, one mail per account that had
something in it, grouped by consultation and theme (compose.py), never an empty one.

One replica writes digests at a time (a lease), and each (cadence, window, account) has
a unique record written in the same transaction as its mail and the "digested" marks
(`CHUNK` digests per transaction, so 100,000 accounts are 200 transactions): a second
replica, or a rerun after a crash, finds the record and writes nothing.
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
CHUNK = 500  # digests per transaction


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
        """Write the digests of every ended window; how many were written. The lease is
        renewed while it runs (a window of 100,000 accounts takes minutes)."""
        keeping = asyncio.create_task(self.lease.keep())
        try:
            return await self._tick()
        finally:
            keeping.cancel()

    async def _tick(self) -> int:
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
        groups = list(pending.items())
        written = 0
        for start in range(0, len(groups), CHUNK):
            written += await self._chunk(cadence, groups[start:start + CHUNK])
        if written:
            DIGESTS_WRITTEN.labels(cadence).inc(written)
            self._wake.set()
        return written

    async def _chunk(self, cadence: str,
                     groups: list[tuple[tuple[str, int], list[str]]]) -> int:
        """One transaction for up to CHUNK digests: marks, records and mails together."""
        opted_out = await self._preferences.digest_email_off_among(
            [account for (account, _), _ in groups], cadence)

        async def work(session: Session) -> int:
            keys = {f"{cadence}:{window}:{account}": (account, window, ids)
                    for (account, window), ids in groups}
            done = {doc["_id"] async for doc in self._digests.find(
                {"_id": {"$in": list(keys)}}, {"_id": 1}, session=session)}
            await self._notifications.update_many(
                {"_id": {"$in": [i for _, ids in groups for i in ids]}},
                {"$set": {"digested": True}}, session=session)
            fresh = {k: v for k, v in keys.items() if k not in done and v[0] not in opted_out}
            if not fresh:
                return 0
            at = now()
            await self._digests.insert_many(
                [{"_id": key, "account_id": account, "cadence": cadence, "window": window,
                  "items": len(ids), "at": at}
                 for key, (account, window, ids) in fresh.items()], session=session)
            await self._mails.insert_many(
                [{"_id": f"digest:{key}", "account_id": account, "kind": f"digest:{cadence}",
                  "consultation_id": "", "notification_ids": ids, "status": "pending",
                  "attempts": 0, "created_at": at}
                 for key, (account, _, ids) in fresh.items()], session=session)
            return len(fresh)

        return await run(self._mongo, work)
