"""Running topic computations: on demand, one at a time per consultation, in a worker
process.

`start` answers at once (the route's 202) with the run's state; the work reads the
consultation's visible posts from the corpus, clusters them in a process of its own
(compute.py: CPU-bound scikit-learn, which would otherwise hold this service's event
loop and every other request with it) and saves the result (store.py). A lease per
consultation (agora_kit/lease.py), renewed while the run lasts, keeps two replicas from
computing the same consultation at once; a second request while one runs answers the
running one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor

from agora_kit.clock import now
from agora_kit.ids import new_id
from agora_kit.lease import Lease
from agora_kit.mongo import Database
from agora_kit.types import Document
from services.synthesis.corpus import CORPUS_COLLECTION, HIDDEN
from services.synthesis.topics import compute
from services.synthesis.topics.store import RUNNING, TopicStore

log = logging.getLogger(__name__)
LEASE_SECONDS = 60.0


class TopicRunner:
    def __init__(self, db: Database, store: TopicStore) -> None:
        self._db = db
        self._corpus = db[CORPUS_COLLECTION]
        self._store = store
        self._pool: ProcessPoolExecutor | None = None
        self._running: dict[str, asyncio.Task[None]] = {}

    async def start(self, consultation_id: str) -> Document:
        """The consultation's run: a new one, or the one already running."""
        task = self._running.get(consultation_id)
        lease = Lease(self._db, f"topics:{consultation_id}", ttl_seconds=LEASE_SECONDS)
        if (task is not None and not task.done()) or not await lease.acquire():
            current = await self._store.run_of(consultation_id)
            return current if current["state"] == RUNNING else \
                {**current, "state": RUNNING}  # another replica's, about to be recorded
        run = await self._store.started(consultation_id, new_id())
        self._running[consultation_id] = asyncio.create_task(
            self._compute(consultation_id, run, lease))
        return run

    async def _compute(self, consultation_id: str, run: Document, lease: Lease) -> None:
        renewal = asyncio.create_task(_keep(lease))
        began = time.monotonic()
        try:
            posts = [compute.PostText(post_id=c["_id"], theme_id=c.get("theme_id", ""),
                                      body=c["body"], language=c.get("language", ""))
                     async for c in self._corpus.find(
                         {"consultation_id": consultation_id, "thread_id": {"$exists": True},
                          "status": {"$ne": HIDDEN}},
                         {"theme_id": 1, "body": 1, "language": 1}).sort("_id", 1)]
            found = await asyncio.get_running_loop().run_in_executor(
                self._executor(), compute.run, posts)
            await self._store.save(consultation_id, run["run_id"], found, posts=len(posts),
                                   started_at=run["started_at"] or now(),
                                   seconds=time.monotonic() - began)
        except Exception as error:  # recorded for the caller to see, then logged
            log.exception("topic run failed", extra={"consultation_id": consultation_id})
            await self._store.failed(consultation_id, run["run_id"], repr(error))
        finally:
            renewal.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewal
            await lease.release()
            self._running.pop(consultation_id, None)

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        return self._pool

    async def serve(self) -> None:
        """A background job: holds the worker process until the service stops."""
        try:
            await asyncio.Event().wait()
        finally:
            for task in list(self._running.values()):
                task.cancel()
            if self._pool is not None:
                self._pool.shutdown(wait=False, cancel_futures=True)


async def _keep(lease: Lease) -> None:
    while True:
        await asyncio.sleep(LEASE_SECONDS / 3)
        await lease.acquire()
