"""Pending translations: one per (content, target), written by the event handler.

The handler only records what is to be translated (in the event's transaction); the
worker (worker.py) translates many at once, so that small posts share provider calls and
no provider call runs inside a database transaction. A newer revision's job replaces an
older one's; the worker deletes a job only if it is still the revision it translated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from agora_kit.clock import now
from agora_kit.mongo import Database, Session
from agora_kit.types import Document
from services.translation.sources import Source

# Delays after the 1st, 2nd, ... failed attempt; then the job is marked failed (kept,
# visible, never retried: readers get the original). A job over its consultation's monthly
# budget is parked (`over_budget: true`, due at the start of the next month).
BACKOFF_SECONDS = (2.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 300.0, 300.0, 300.0)


@dataclass(frozen=True)
class Job:
    content_id: str
    consultation_id: str
    thread_id: str
    target: str
    source: str
    revision: int
    body: str
    attempts: int = 0
    due: datetime | None = None

    @property
    def key(self) -> str:
        return f"{self.content_id}:{self.target}"

    @classmethod
    def translating(cls, source: Source, target: str) -> Job:
        """The job translating a content's recorded revision into target."""
        return cls(content_id=source.content_id, consultation_id=source.consultation_id,
                   thread_id=source.thread_id, target=target, source=source.language,
                   revision=source.revision, body=source.body)

    @classmethod
    def of(cls, doc: Document) -> Job:
        return cls(content_id=doc["content_id"], consultation_id=doc["consultation_id"],
                   thread_id=doc["thread_id"], target=doc["target"], source=doc["source"],
                   revision=doc["revision"], body=doc["body"], attempts=doc["attempts"],
                   due=doc.get("due"))


class Jobs:
    def __init__(self, db: Database) -> None:
        self.jobs = db["jobs"]

    async def ensure_indexes(self) -> None:
        await self.jobs.create_index([("failed", 1), ("due", 1)])

    async def add(self, job: Job, *, session: Session) -> None:
        current = await self.jobs.find_one({"_id": job.key}, {"revision": 1}, session=session)
        if current is not None and int(current["revision"]) > job.revision:
            return
        await self.jobs.replace_one({"_id": job.key}, {
            "content_id": job.content_id, "consultation_id": job.consultation_id,
            "thread_id": job.thread_id, "target": job.target, "source": job.source,
            "revision": job.revision, "body": job.body, "attempts": 0, "failed": False,
            "due": now()}, upsert=True, session=session)

    async def due(self, limit: int) -> list[Job]:
        found = self.jobs.find({"failed": False, "due": {"$lte": now()}}).sort("due", 1)
        return [Job.of(doc) async for doc in found.limit(limit)]

    async def done(self, job: Job, *, session: Session) -> None:
        await self.jobs.delete_one({"_id": job.key, "revision": job.revision}, session=session)

    async def retry(self, jobs: list[Job], *, after: float | None) -> None:
        """Try again later (`after` seconds, else the backoff); failed after the last."""
        for job in jobs:
            attempt = job.attempts + 1
            failed = attempt > len(BACKOFF_SECONDS)
            delay = after if after is not None else BACKOFF_SECONDS[
                min(attempt, len(BACKOFF_SECONDS)) - 1]
            due: datetime = now() + timedelta(seconds=delay)
            await self.jobs.update_one({"_id": job.key, "revision": job.revision},
                                       {"$set": {"attempts": attempt, "due": due,
                                                 "failed": failed}})

    async def park(self, jobs: list[Job], *, until: datetime) -> None:
        """Over its consultation's budget: `over_budget` and due again at `until` (the
        next month), without counting as a failed attempt."""
        for job in jobs:
            await self.jobs.update_one({"_id": job.key, "revision": job.revision},
                                       {"$set": {"over_budget": True, "due": until}})

    async def cancel(self, content_id: str, target: str, *, session: Session) -> None:
        """No job into the content's own language (its language was corrected)."""
        await self.jobs.delete_one({"_id": f"{content_id}:{target}"}, session=session)

    async def drop(self, jobs: list[Job]) -> None:
        for job in jobs:
            await self.jobs.delete_one({"_id": job.key, "revision": job.revision})
