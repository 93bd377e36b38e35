"""Pending translations: one job per content, listing the target languages still to do,
written by the event handler.

The handler only records what is to be translated (in the event's transaction, one write:
the content's record in `sources` already says which revision is newest, so a job is
simply replaced); the worker (worker.py) translates many at once, so that small posts
share provider calls and no provider call runs inside a database transaction. The worker
removes a target from a job only if the job is still the revision it translated, and
deletes a job once no target is left.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from pymongo import DeleteMany, ReplaceOne, UpdateOne

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
    source: str
    revision: int
    body: str
    targets: tuple[str, ...] = ()
    attempts: int = 0
    due: datetime | None = None

    @classmethod
    def translating(cls, source: Source, targets: Iterable[str]) -> Job:
        """The job translating a content's recorded revision into targets."""
        return cls(content_id=source.content_id, consultation_id=source.consultation_id,
                   thread_id=source.thread_id, source=source.language,
                   revision=source.revision, body=source.body, targets=tuple(targets))

    @classmethod
    def of(cls, doc: Document) -> Job:
        return cls(content_id=doc["_id"], consultation_id=doc["consultation_id"],
                   thread_id=doc["thread_id"], source=doc["source"],
                   revision=doc["revision"], body=doc["body"],
                   targets=tuple(doc["targets"]), attempts=doc["attempts"],
                   due=doc.get("due"))


@dataclass(frozen=True)
class Task:
    """One target of one job: what the worker batches by language pair."""

    job: Job
    target: str

    @property
    def consultation_id(self) -> str:
        return self.job.consultation_id


class Jobs:
    def __init__(self, db: Database) -> None:
        self.jobs = db["jobs"]

    async def ensure_indexes(self) -> None:
        await self.jobs.create_index([("failed", 1), ("due", 1)])

    async def put(self, job: Job, *, session: Session) -> None:
        """The job for the content's newest revision (the caller checked it is newest),
        replacing any older one."""
        await self.put_many([job], session=session)

    async def put_many(self, jobs: list[Job], *, session: Session) -> None:
        """`put` for each, in one round trip (in order: the last of a content wins)."""
        if not jobs:
            return
        due = now()
        await self.jobs.bulk_write([ReplaceOne({"_id": job.content_id}, {
            "consultation_id": job.consultation_id, "thread_id": job.thread_id,
            "source": job.source, "revision": job.revision, "body": job.body,
            "targets": list(job.targets), "attempts": 0, "failed": False, "due": due},
            upsert=True) for job in jobs], ordered=True, session=session)

    async def add_targets(self, job: Job, *, session: Session) -> None:
        """More targets for the same revision (a glossary change), kept with any pending."""
        current = await self.jobs.find_one({"_id": job.content_id}, {"revision": 1},
                                           session=session)
        if current is None or int(current["revision"]) != job.revision:
            await self.put(job, session=session)
            return
        await self.jobs.update_one({"_id": job.content_id}, {
            "$addToSet": {"targets": {"$each": list(job.targets)}},
            "$set": {"failed": False, "due": now()}}, session=session)

    async def due(self, limit: int) -> list[Job]:
        found = self.jobs.find({"failed": False, "due": {"$lte": now()}}).sort("due", 1)
        return [Job.of(doc) async for doc in found.limit(limit)]

    async def done(self, tasks: list[Task], *, session: Session | None = None) -> None:
        """These targets are translated (or given up): off their jobs, in one bulk write;
        jobs with nothing left go."""
        if not tasks:
            return
        await self.jobs.bulk_write(
            [UpdateOne({"_id": t.job.content_id, "revision": t.job.revision},
                       {"$pull": {"targets": t.target}}) for t in tasks]
            + [DeleteMany({"_id": {"$in": list({t.job.content_id for t in tasks})},
                           "targets": {"$size": 0}})], ordered=True, session=session)

    async def retry(self, tasks: list[Task], *, after: float | None) -> None:
        """Try again later (`after` seconds, else the backoff); failed after the last."""
        for job in {t.job.content_id: t.job for t in tasks}.values():
            attempt = job.attempts + 1
            failed = attempt > len(BACKOFF_SECONDS)
            delay = after if after is not None else BACKOFF_SECONDS[
                min(attempt, len(BACKOFF_SECONDS)) - 1]
            due: datetime = now() + timedelta(seconds=delay)
            await self.jobs.update_one({"_id": job.content_id, "revision": job.revision},
                                       {"$set": {"attempts": attempt, "due": due,
                                                 "failed": failed}})

    async def park(self, tasks: list[Task], *, until: datetime) -> None:
        """Over its consultation's budget: `over_budget` and due again at `until` (the
        next month), without counting as a failed attempt."""
        for job in {t.job.content_id: t.job for t in tasks}.values():
            await self.jobs.update_one({"_id": job.content_id, "revision": job.revision},
                                       {"$set": {"over_budget": True, "due": until}})

    async def cancel(self, content_id: str, target: str, *, session: Session) -> None:
        """No job into the content's own language (its language was corrected)."""
        await self.jobs.update_one({"_id": content_id}, {"$pull": {"targets": target}},
                                   session=session)
