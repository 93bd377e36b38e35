"""The translation service as the runtime sees it."""

from __future__ import annotations

from collections.abc import Sequence

import grpc

from agora.v1 import translation_pb2, translation_pb2_grpc
from agora_kit.events.consumer import ConsumerSpec, Handler
from agora_kit.runtime import Dependencies, ServiceApp
from services.translation import posts
from services.translation.cache import SegmentCache
from services.translation.config import TranslationSettings
from services.translation.consultations import ConsultationLanguages
from services.translation.pipeline import Pipeline
from services.translation.posts import PostTranslator
from services.translation.providers.base import Provider
from services.translation.providers.factory import build_provider
from services.translation.providers.none import NoProvider
from services.translation.servicer import TranslationServicer
from services.translation.store import Translations


class TranslationApp(ServiceApp):
    name = "translation"
    grpc_services = (
        translation_pb2.DESCRIPTOR.services_by_name["TranslationService"].full_name,)

    def __init__(self, settings: TranslationSettings) -> None:
        self.database = settings.translation_database
        self._provider: Provider = build_provider(settings)
        self._languages = ConsultationLanguages(settings.threads_addr)

    def register(self, server: grpc.aio.Server, deps: Dependencies) -> None:
        self.store = Translations(deps.db)
        pipeline = (None if isinstance(self._provider, NoProvider)
                    else Pipeline(self._provider, SegmentCache(deps.db)))
        self.posts = PostTranslator(pipeline=pipeline, store=self.store,
                                    languages=self._languages, outbox=deps.outbox)
        translation_pb2_grpc.add_TranslationServiceServicer_to_server(
            TranslationServicer(self.store), server)

    async def prepare(self, deps: Dependencies) -> None:
        await self.store.ensure_indexes()

    def consumers(self, deps: Dependencies) -> Sequence[tuple[ConsumerSpec, Handler]]:
        return [(posts.CONSUMER, self.posts.on_post)]
