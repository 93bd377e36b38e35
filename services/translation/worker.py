"""Translates pending jobs in batches: all due jobs of one language pair (and glossary) in
one pipeline run (whose calls carry as many segments as the provider allows), then stores
each result with its `translation.ready` in one transaction per batch. Each job is
translated under its consultation's current glossary version; consultations without one
share their batches. Jobs beyond their consultation's monthly budget are parked
(budget.py) before anything is sent."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict

from agora.v1 import translation_pb2
from agora_kit.clock import now
from agora_kit.events.catalog import EVENTS
from agora_kit.events.envelope import new_envelope
from agora_kit.events.outbox import Outbox
from agora_kit.mongo import Session
from agora_kit.runtime import Dependencies
from services.translation.budget import Budget, next_month
from services.translation.glossaries import Glossaries
from services.translation.jobs import Jobs, Task
from services.translation.metrics import PARKED_JOBS, QUEUE_LAG, TRANSLATIONS
from services.translation.pipeline import Pipeline
from services.translation.providers.base import Glossary
from services.translation.providers.errors import InputRejected, ProviderError, RateLimited
from services.translation.store import StoredTranslation, Translations

log = logging.getLogger(__name__)
JOBS_PER_PASS = 500
# How often every consultation's budget gauge is read again (it also moves after each
# batch, for the consultations it charged).
BUDGET_REFRESH_SECONDS = 60.0


class Worker:
    def __init__(self, *, pipeline: Pipeline, jobs: Jobs, store: Translations,
                 glossaries: Glossaries, budget: Budget, deps: Dependencies) -> None:
        self._pipeline = pipeline
        self._budget = budget
        self._next_refresh = 0.0
        self._glossaries = glossaries
        self._jobs = jobs
        self._store = store
        self._deps = deps

    async def run_once(self) -> int:
        """Translate what is due now; how many (content, target) tasks were taken."""
        due = await self._jobs.due(JOBS_PER_PASS)
        QUEUE_LAG.set(max(0.0, (now() - due[0].due).total_seconds())
                      if due and due[0].due else 0.0)
        if time.monotonic() >= self._next_refresh:
            self._next_refresh = time.monotonic() + BUDGET_REFRESH_SECONDS
            await self._budget.refresh()
        tasks = [Task(job, target) for job in due for target in job.targets]
        if not tasks:
            return 0
        admitted = await self._budget.admit([(task.consultation_id, len(task.job.body))
                                             for task in tasks])
        over = [task for task, fits in zip(tasks, admitted, strict=True) if not fits]
        if over:
            log.warning("translation budget spent; jobs parked until next month",
                        extra={"tasks": len(over)})
            PARKED_JOBS.inc(len(over))
            await self._jobs.park(over, until=next_month(now()))
        taken = [task for task, fits in zip(tasks, admitted, strict=True) if fits]
        versions = await self._glossaries.current_of(
            list({task.consultation_id for task in taken}))
        batches: dict[tuple[str, str, str], list[Task]] = defaultdict(list)
        glossaries: dict[tuple[str, str, str], Glossary] = {}
        for task in taken:
            glossary = versions[task.consultation_id].for_pair(task.job.source, task.target)
            key = (task.job.source, task.target, glossary.version)
            glossaries[key] = glossary
            batches[key].append(task)
        await asyncio.gather(*(self._batch(key[0], key[1], glossaries[key], batch)
                               for key, batch in batches.items()))
        return len(tasks)

    async def _batch(self, source: str, target: str, glossary: Glossary,
                     tasks: list[Task]) -> None:
        try:
            texts, charged = await self._pipeline.translate_counted(
                [task.job.body for task in tasks], source=source, target=target,
                glossary=glossary)
        except InputRejected as refused:
            log.warning("translation refused; the original is served",
                        extra={"source": source, "target": target, "error": str(refused)})
            await self._jobs.done(tasks)
            return
        except ProviderError as failed:
            after = failed.retry_after if isinstance(failed, RateLimited) else None
            log.warning("translation failed; will retry",
                        extra={"source": source, "target": target, "error": str(failed)})
            await self._jobs.retry(tasks, after=after)
            return

        spent: dict[str, int] = defaultdict(int)
        for task, characters in zip(tasks, charged, strict=True):
            spent[task.consultation_id] += characters
        items = [StoredTranslation(
            content_id=task.job.content_id, consultation_id=task.consultation_id,
            thread_id=task.job.thread_id, target=target, source_language=source,
            revision=task.job.revision, text=text, provider=self._pipeline.provider)
            for task, text in zip(tasks, texts, strict=True)]

        async def store(session: Session, outbox: Outbox) -> int:
            """Bulk writes: the jobs, the translations, the announcements, the budget."""
            await self._jobs.done(tasks, session=session)
            stored = await self._store.save_many(items, session=session)
            await outbox.add_many([new_envelope(
                event_type=EVENTS.translation_ready, consultation_id=item.consultation_id,
                actor="system", payload=translation_pb2.TranslationReady(
                    content_id=item.content_id, thread_id=item.thread_id, target=target,
                    source_language=source, revision=item.revision))
                for item in stored], session=session)
            await self._budget.charge(spent, session=session)
            return len(stored)

        TRANSLATIONS.labels("machine").inc(await self._deps.commit(store))
        await self._budget.refresh_some(list(spent))
