"""Generating the deliverable: a background job that survives its process.

A request (strategists only) writes a `queued` job and the consultation's generation lock
(`deliverable_locks`, `_id` = the consultation) in one transaction: a second request
while one runs finds the lock and is refused (409), with nothing written. An
idempotency key returns the job it first created, so a retried request never starts a
second one.

A deliverable is written in one language, asked for or the consultation's first. A
version is immutable: generating in another language makes a new version (the next
number), which records its language; the versions of every language are listed together.

A job runs under a lease (`synthesis.deliverable:<job>`, renewed while it works), so
one replica runs it at a time; every replica looks for `queued`/`running` jobs every
few seconds (`resume`), so a job whose process died is taken over once its lease lapses
and run again from the start. Its progress (stage, percentage) is on the job. The
version it produces (the next number) is written with its files' index, the job's
`done`, the lock's removal and `deliverable.published` in one transaction, so a job
yields exactly one version (announced once), even resumed; a job that fails
`MAX_ATTEMPTS` times turns `failed` and frees the lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from agora.v1 import synthesis_pb2
from agora_kit import idempotency
from agora_kit.clock import now
from agora_kit.errors import AlreadyExists, DomainError, InvalidArgument, NotFound
from agora_kit.events.catalog import EVENTS
from agora_kit.events.outbox import Outbox
from agora_kit.ids import new_id
from agora_kit.lease import Lease, holder_id
from agora_kit.mongo import Client, Database, Session
from agora_kit.transactions import commit, run
from agora_kit.types import Document
from services.synthesis import permissions
from services.synthesis.deliverable import markdown, opendata, pdf
from services.synthesis.deliverable.gather import Gatherer
from services.synthesis.deliverable.store import Store, version_id
from services.synthesis.events import publish
from services.synthesis.posts import Posts

JOBS, LOCKS = "deliverable_jobs", "deliverable_locks"
QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
MAX_ATTEMPTS = 3
MAX_STEP_AFTER = 2000
log = logging.getLogger(__name__)


class Jobs:
    def __init__(self, *, mongo: Client, db: Database, posts: Posts,
                 gatherer: Gatherer, store: Store, lease_seconds: float,
                 outbox: Outbox) -> None:
        self._mongo = mongo
        self._outbox = outbox
        self._db = db
        self._posts = posts
        self._gatherer = gatherer
        self._store = store
        self._lease_seconds = lease_seconds
        self._holder = holder_id()
        self.jobs = db[JOBS]
        self.locks = db[LOCKS]
        self._running: dict[str, asyncio.Task[None]] = {}

    async def ensure_indexes(self) -> None:
        await self.jobs.create_index([("status", ASCENDING), ("_id", ASCENDING)])
        await idempotency.ensure_index(self.jobs)

    async def request(self, *, consultation_id: str, step_after: str, language: str,
                      actor: str, roles: list[str],
                      idempotency_key: str | None) -> Document:
        """A queued job (or, for a key seen before, the job it created), started here."""
        permissions.require(permissions.Action.GENERATE_DELIVERABLE, roles)
        if len(step_after) > MAX_STEP_AFTER:
            raise InvalidArgument(f"at most {MAX_STEP_AFTER} characters", field="step_after")
        consultation = await self._posts.consultation(consultation_id)
        chosen = " ".join(step_after.split()) or consultation.step_after.strip()
        if not chosen:
            raise InvalidArgument("the consultation does not say what the step after is: "
                                  "give it", field="step_after")
        written_in = _language(language, list(consultation.languages))
        request = {"consultation_id": consultation_id, "step_after": step_after,
                   "language": language}

        async def create(extra: dict[str, Any]) -> Document:
            job: Document = {"_id": new_id(), "consultation_id": consultation_id,
                             "step_after": chosen, "language": written_in,
                             "status": QUEUED, "progress": 0, "stage": "queued",
                             "version": 0, "error": "", "attempts": 0,
                             "created_by": actor, "created_at": now(), **extra}

            async def work(session: Session) -> Document:
                running = await self.locks.find_one({"_id": consultation_id}, session=session)
                if running is not None:
                    raise _busy(running["job_id"])
                await self.jobs.insert_one(job, session=session)
                await self.locks.insert_one({"_id": consultation_id, "job_id": job["_id"]},
                                            session=session)
                return job

            try:
                created: Document = await run(self._mongo, work)
            except DuplicateKeyError as error:
                if "idempotency" in str(error):
                    raise  # create_once replays the job that key created
                raise _busy("another") from None
            return created

        job = await idempotency.create_once(self.jobs, actor=actor, key=idempotency_key,
                                            request=request, create=create)
        self.start(job["_id"])
        return job

    async def get(self, consultation_id: str, job_id: str) -> Document:
        found = await self.jobs.find_one({"_id": job_id, "consultation_id": consultation_id})
        if found is None:
            raise NotFound(f"deliverable job {job_id} does not exist", field="job_id")
        return found

    def start(self, job_id: str) -> None:
        """Run the job in this process unless it already runs here."""
        if job_id not in self._running:
            task = asyncio.create_task(self._run(job_id), name=f"deliverable {job_id}")
            self._running[job_id] = task
            task.add_done_callback(lambda _: self._running.pop(job_id, None))

    async def resume(self) -> None:
        """Start the unfinished jobs (those whose lease lapsed run; the others wait)."""
        async for job in self.jobs.find({"status": {"$in": [QUEUED, RUNNING]}}, {"_id": 1}):
            self.start(job["_id"])

    async def _run(self, job_id: str) -> None:
        lease = Lease(self._db, f"synthesis.deliverable:{job_id}", holder=self._holder,
                      ttl_seconds=self._lease_seconds)
        if not await lease.acquire():  # another replica runs it
            return
        keeper = asyncio.create_task(lease.keep())
        try:
            job = await self.jobs.find_one({"_id": job_id})
            if job is None or job["status"] not in (QUEUED, RUNNING):
                return
            await self.jobs.update_one({"_id": job_id}, {"$set": {"status": RUNNING},
                                                         "$inc": {"attempts": 1}})
            try:
                await self._generate(job)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                await self._failed(job, error)
        finally:
            keeper.cancel()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(lease.release()), 2.0)

    async def _progress(self, job_id: str, stage: str, percent: int) -> None:
        await self.jobs.update_one({"_id": job_id},
                                   {"$set": {"stage": stage, "progress": min(99, percent)}})

    async def _generate(self, job: Document) -> None:
        job_id, consultation_id = job["_id"], job["consultation_id"]
        number = await self._store.latest_number(consultation_id) + 1

        async def progress(stage: str, percent: int) -> None:
            await self._progress(job_id, stage, percent)

        language = job.get("language", "")
        doc = await self._gatherer.gather(consultation_id, step_after=job["step_after"],
                                          language=language, number=number,
                                          generated_at=now(), progress=progress)
        renders: list[tuple[str, Callable[[Document], bytes], int]] = [
            ("markdown", lambda d: markdown.render(d).encode(), 45),
            ("json", opendata.to_json, 50), ("csv", opendata.csv_bundle, 55),
            ("pdf", pdf.render, 60)]
        files = []
        for file_format, render, percent in renders:
            await progress(file_format, percent)
            data = await asyncio.to_thread(render, doc)
            files.append(await self._store.write_file(job_id, file_format, data))
        await progress("storing", 95)
        version: Document = {
            "_id": version_id(consultation_id, number), "consultation_id": consultation_id,
            "number": number, "job_id": job_id, "step_after": job["step_after"],
            "language": language,
            "files": files, "generated_by": job["created_by"], "generated_at": now(),
            "recommendations": len(doc["recommendations"])}

        async def finish(session: Session) -> None:
            current = await self.jobs.find_one({"_id": job_id}, session=session)
            if current is None or current["status"] == DONE:
                return  # a replica paused past its lease finished it meanwhile
            await self._store.versions.insert_one(version, session=session)
            await self.jobs.update_one({"_id": job_id}, {"$set": {
                "status": DONE, "progress": 100, "stage": "done", "version": number}},
                session=session)
            await self.locks.delete_one({"_id": consultation_id, "job_id": job_id},
                                        session=session)
            await publish(self._outbox, event_type=EVENTS.deliverable_published,
                          consultation_id=consultation_id, actor=job["created_by"],
                          payload=synthesis_pb2.DeliverablePublished(
                              number=number, job_id=job_id, language=language),
                          session=session)

        await commit(self._mongo, self._outbox, lambda session, _: finish(session))

    async def _failed(self, job: Document, error: Exception) -> None:
        """Leave the job to be resumed, or after MAX_ATTEMPTS mark it failed (freeing the
        consultation for another request)."""
        attempts = job["attempts"] + 1
        message = error.message if isinstance(error, DomainError) else type(error).__name__
        log.error("generating a deliverable failed", exc_info=error,
                  extra={"job_id": job["_id"], "attempt": attempts})
        if attempts < MAX_ATTEMPTS:
            return  # the next resume pass runs it again

        async def fail(session: Session) -> None:
            await self.jobs.update_one({"_id": job["_id"]}, {"$set": {
                "status": FAILED, "stage": "failed", "error": message[:500]}}, session=session)
            await self.locks.delete_one({"_id": job["consultation_id"], "job_id": job["_id"]},
                                        session=session)

        await run(self._mongo, fail)


def _language(asked: str, languages: list[str]) -> str:
    """The language to write in: the one asked for if the consultation has it, else (none
    asked) the consultation's first."""
    if not asked:
        return languages[0] if languages else ""
    if asked not in languages:
        raise InvalidArgument("the deliverable is written in one of the consultation's "
                              f"languages: {', '.join(languages) or 'it has none'}",
                              field="language")
    return asked


def _busy(job_id: str) -> AlreadyExists:
    return AlreadyExists(f"a deliverable of this consultation is being generated (job "
                         f"{job_id}); wait until it is done", field="consultation_id")
