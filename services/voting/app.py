"""The voting service as the runtime sees it."""

from __future__ import annotations

from collections.abc import Coroutine, Sequence
from typing import Any

import grpc

from agora.v1 import voting_pb2, voting_pb2_grpc
from agora_kit.events.consumer import ConsumerSpec, Handler
from agora_kit.periodic import every
from agora_kit.runtime import Dependencies, ServiceApp
from services.voting import phases
from services.voting.ballots import BallotStore
from services.voting.config import VotingSettings
from services.voting.phases import PhaseBook
from services.voting.receipts import ReceiptStore
from services.voting.results import Results
from services.voting.servicer import VotingServicer
from services.voting.sessions import SessionStore


class VotingApp(ServiceApp):
    name = "voting"
    grpc_services = (voting_pb2.DESCRIPTOR.services_by_name["VotingService"].full_name,)
    # Ballots commit in a steady stream: relay them in batches (one find and one update
    # per batch, not per ballot) at the cost of up to 0.5 s of event latency.
    relay_pace = 0.5

    def __init__(self, settings: VotingSettings) -> None:
        self.database = settings.voting_database
        self._settings = settings

    def register(self, server: grpc.aio.Server, deps: Dependencies) -> None:
        self._phases = PhaseBook(deps.db, self._settings.threads_addr)
        self._sessions = SessionStore(deps, self._phases)
        self._ballots = BallotStore(deps, self._sessions)
        self._receipts = ReceiptStore(deps.db)
        self._results = Results(
            self._sessions, self._ballots, self._receipts, leases=deps.db,
            lease_seconds=max(10.0, 3 * self._settings.close_resume_seconds))
        voting_pb2_grpc.add_VotingServiceServicer_to_server(
            VotingServicer(self._sessions, self._ballots, self._results), server
        )

    def consumers(self, deps: Dependencies) -> Sequence[tuple[ConsumerSpec, Handler]]:
        return [(phases.CONSUMER, self._phases.apply)]

    def background(self, deps: Dependencies) -> Sequence[Coroutine[Any, Any, None]]:
        # Every replica looks: each close has its own lease (results.py).
        return [every(self._settings.close_resume_seconds, self._results.resume_interrupted,
                      name="interrupted closes")]

    async def prepare(self, deps: Dependencies) -> None:
        await self._sessions.ensure_indexes()
        await self._ballots.ensure_indexes()
        await self._receipts.ensure_indexes()
