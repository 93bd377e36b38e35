"""gRPC reads of the cached opinion maps (store.py writes them)."""

from __future__ import annotations

from typing import Any

import grpc

from agora.v1 import opinions_pb2, opinions_pb2_grpc
from agora_kit.ids import require_id
from services.synthesis.opinions.store import OpinionMaps


class OpinionsServicer(opinions_pb2_grpc.OpinionsServiceServicer):
    def __init__(self, maps: OpinionMaps) -> None:
        self._maps = maps

    async def GetOpinionMap(self, request: opinions_pb2.GetOpinionMapRequest,
                            context: grpc.aio.ServicerContext) -> opinions_pb2.OpinionMap:
        consultation_id = require_id(request.consultation_id, field="consultation_id")
        found = await self._maps.read(consultation_id)
        reply = opinions_pb2.OpinionMap(consultation_id=consultation_id,
                                        computed=found is not None)
        if found is None:
            return reply
        reply.computed_at.FromDatetime(found["computed_at"])
        for group in found["groups"]:
            x, y = (*group["center"], 0.0, 0.0)[:2]
            reply.groups.append(opinions_pb2.OpinionGroup(
                id=group["id"], size=group["size"], center_x=x, center_y=y,
                representative=[_stats(s) for s in group["representative"]]))
        reply.consensus.extend(_stats(s) for s in found["consensus"])
        reply.divisive.extend(_stats(s) for s in found["divisive"])
        for p in found["participants"]:
            placed = opinions_pb2.MappedParticipant(key=p["key"], x=p["x"], y=p["y"])
            if p["group"] is not None:
                placed.group = p["group"]
            reply.participants.append(placed)
        return reply


def _stats(s: dict[str, Any]) -> opinions_pb2.StatementStats:
    return opinions_pb2.StatementStats(
        post_id=s["post_id"], repful_for=s["for"], score=float(s["score"]),
        in_group=opinions_pb2.VoteTally(**s["in_group"]),
        out_of_group=opinions_pb2.VoteTally(**s["out_of_group"]))
