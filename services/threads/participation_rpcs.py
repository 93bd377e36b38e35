"""gRPC methods for participation records (a mixin of the threads servicer).

Only the gateway calls them (it flushes its counters and reads them back for
strategists, whose role it checks); no participant action reaches them directly.
"""

from __future__ import annotations

from agora.v1 import threads_pb2, threads_pb2_grpc
from agora_kit.types import Context
from services.threads.participation import ParticipationStore, record_message


class ParticipationRpcs(threads_pb2_grpc.ThreadsServiceServicer):
    _participation: ParticipationStore

    async def RecordParticipation(
        self, request: threads_pb2.RecordParticipationRequest, context: Context
    ) -> threads_pb2.RecordParticipationResponse:
        recorded = await self._participation.record(request.records)
        return threads_pb2.RecordParticipationResponse(recorded=recorded)

    async def ListParticipation(
        self, request: threads_pb2.ListParticipationRequest, context: Context
    ) -> threads_pb2.ListParticipationResponse:
        found = await self._participation.find(
            consultation_id=request.consultation_id, from_day=request.from_day,
            to_day=request.to_day, theme_id=request.theme_id)
        return threads_pb2.ListParticipationResponse(records=[record_message(d) for d in found])
