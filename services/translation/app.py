"""The translation service as the runtime sees it."""

from __future__ import annotations

from collections.abc import Coroutine, Sequence
from typing import Any

import grpc

from agora.v1 import translation_pb2, translation_pb2_grpc
from agora_kit.events.consumer import Batched, ConsumerSpec, Handler
from agora_kit.periodic import every, lease_for
from agora_kit.runtime import Dependencies, ServiceApp
from services.translation import posts, synthesis_texts
from services.translation.budget import Budget
from services.translation.cache import SegmentCache
from services.translation.config import TranslationSettings
from services.translation.consultations import ConsultationLanguages
from services.translation.corrections import Corrections
from services.translation.glossaries import Glossaries
from services.translation.glossary_editor import GlossaryEditor
from services.translation.jobs import Jobs
from services.translation.pipeline import Pipeline
from services.translation.posts import PostJobs
from services.translation.providers.base import Provider
from services.translation.providers.factory import build_provider
from services.translation.providers.none import NoProvider
from services.translation.servicer import TranslationServicer
from services.translation.sources import Sources
from services.translation.store import Translations
from services.translation.synthesis_texts import SynthesisTextJobs
from services.translation.worker import Worker

# How often the worker looks for due jobs; one replica at a time (a lease), since one
# worker batches best and the provider is the bottleneck, not this process.
WORKER_INTERVAL_SECONDS = 0.2


class TranslationApp(ServiceApp):
    name = "translation"
    grpc_services = (
        translation_pb2.DESCRIPTOR.services_by_name["TranslationService"].full_name,)

    def __init__(self, settings: TranslationSettings) -> None:
        self.database = settings.translation_database
        self._provider: Provider = build_provider(settings)
        self._languages = ConsultationLanguages(settings.threads_addr)
        self._budget = settings.translation_monthly_character_budget

    def register(self, server: grpc.aio.Server, deps: Dependencies) -> None:
        self.store = Translations(deps.db)
        self.sources = Sources(deps.db)
        self.jobs = Jobs(deps.db)
        self.glossaries = Glossaries(deps.db)
        enabled = not isinstance(self._provider, NoProvider)
        self.worker = (Worker(pipeline=Pipeline(self._provider, SegmentCache(deps.db)),
                              jobs=self.jobs, store=self.store, glossaries=self.glossaries,
                              budget=Budget(deps.db, monthly_characters=self._budget),
                              deps=deps)
                       if enabled else None)
        self.posts = PostJobs(enabled=enabled, jobs=self.jobs, sources=self.sources,
                              languages=self._languages)
        corrections = Corrections(deps=deps, store=self.store, sources=self.sources,
                                  jobs=self.jobs, posts=self.posts, languages=self._languages)
        editor = GlossaryEditor(enabled=enabled, deps=deps, glossaries=self.glossaries,
                                sources=self.sources, jobs=self.jobs,
                                languages=self._languages)
        translation_pb2_grpc.add_TranslationServiceServicer_to_server(
            TranslationServicer(store=self.store, sources=self.sources,
                                corrections=corrections, glossaries=self.glossaries,
                                editor=editor), server)

    async def prepare(self, deps: Dependencies) -> None:
        await self.store.ensure_indexes()
        await self.sources.ensure_indexes()
        await self.jobs.ensure_indexes()

    def consumers(self, deps: Dependencies
                  ) -> Sequence[tuple[ConsumerSpec, Handler | Batched]]:
        return [(posts.CONSUMER, Batched(self.posts.on_posts)),
                (synthesis_texts.CONSUMER,
                 Batched(SynthesisTextJobs(self.posts).on_events))]

    def background(self, deps: Dependencies) -> Sequence[Coroutine[Any, Any, None]]:
        if self.worker is None:
            return ()
        return [every(WORKER_INTERVAL_SECONDS, self.worker.run_once, name="translation-worker",
                      lease=lease_for(deps.db, "translation-worker", WORKER_INTERVAL_SECONDS))]
