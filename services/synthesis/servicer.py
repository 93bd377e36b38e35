"""gRPC servicer of the synthesis service."""

from __future__ import annotations

import grpc

from agora.v1 import synthesis_pb2, synthesis_pb2_grpc
from agora_kit.ids import require_id
from services.synthesis.corpus import Corpus


class SynthesisServicer(synthesis_pb2_grpc.SynthesisServiceServicer):
    def __init__(self, corpus: Corpus) -> None:
        self._corpus = corpus

    async def GetCorpusStats(
        self, request: synthesis_pb2.GetCorpusStatsRequest, context: grpc.aio.ServicerContext
    ) -> synthesis_pb2.CorpusStats:
        consultation_id = require_id(request.consultation_id, field="consultation_id")
        contributions, contributors = await self._corpus.stats(consultation_id)
        return synthesis_pb2.CorpusStats(
            consultation_id=consultation_id,
            contributions=contributions,
            contributors=contributors,
        )
