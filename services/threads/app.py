"""The threads service as the runtime sees it."""

from __future__ import annotations

from collections.abc import Coroutine, Sequence
from typing import Any

import grpc

from agora.v1 import threads_pb2, threads_pb2_grpc
from agora_kit.events.consumer import ConsumerSpec, Handler
from agora_kit.periodic import every, lease_for
from agora_kit.runtime import Dependencies, ServiceApp
from services.threads.announcer import announce_due
from services.threads.config import ThreadsSettings
from services.threads.erasure import ERASURE_CONSUMER, Erasure
from services.threads.participation import ParticipationStore
from services.threads.phase_gauge import PhaseGauge
from services.threads.servicer import ThreadsServicer
from services.threads.store import ThreadsStore


class ThreadsApp(ServiceApp):
    name = "threads"
    grpc_services = (threads_pb2.DESCRIPTOR.services_by_name["ThreadsService"].full_name,)

    def __init__(self, settings: ThreadsSettings) -> None:
        self.database = settings.threads_database
        self._settings = settings

    def register(self, server: grpc.aio.Server, deps: Dependencies) -> None:
        self._store = ThreadsStore(deps)
        self._participation = ParticipationStore(deps.db)
        threads_pb2_grpc.add_ThreadsServiceServicer_to_server(
            ThreadsServicer(self._store, self._participation,
                            post_max_chars=self._settings.post_max_chars), server
        )

    async def prepare(self, deps: Dependencies) -> None:
        await self._store.ensure_indexes()
        await self._participation.ensure_indexes()

    def consumers(self, deps: Dependencies) -> Sequence[tuple[ConsumerSpec, Handler]]:
        return [(ERASURE_CONSUMER, Erasure(deps.db, deps.outbox).anonymise)]

    def background(self, deps: Dependencies) -> Sequence[Coroutine[Any, Any, None]]:
        interval = self._settings.phase_announce_seconds
        return [every(interval, lambda: announce_due(self._store), name="phase announcer",
                      lease=lease_for(deps.db, "threads.phase-announcer", interval)),
                every(interval, PhaseGauge(self._store).export, name="phase gauge")]
