"""gRPC methods for ideas (a mixin of the synthesis servicer)."""

from __future__ import annotations

from typing import TypeAlias

import grpc

from agora.v1 import synthesis_pb2, synthesis_pb2_grpc
from agora_kit.errors import InvalidArgument
from agora_kit.ids import decode_cursor, encode_cursor, page_size, require_id
from agora_kit.types import Document
from services.synthesis.ideas import STATUS_FROM_PROTO, STATUS_TO_PROTO, Ideas

Context: TypeAlias = grpc.aio.ServicerContext
TITLE_MAX, DESCRIPTION_MAX = 200, 5000


def idea_message(idea: Document, counts: synthesis_pb2.IdeaCounts,
                 resolved_from: str = "") -> synthesis_pb2.Idea:
    message = synthesis_pb2.Idea(
        id=idea["_id"], consultation_id=idea["consultation_id"], theme_id=idea["theme_id"],
        title=idea["title"], description=idea["description"],
        parent_id=idea.get("parent_id") or "", status=STATUS_TO_PROTO[idea["status"]],
        merged_into=idea.get("merged_into") or "", thread_id=idea.get("thread_id") or "",
        counts=counts, resolved_from=resolved_from, created_by=idea["created_by"],
        revision=int(idea.get("revision", 0)))
    message.created_at.FromDatetime(idea["created_at"])
    return message


class IdeaRpcs(synthesis_pb2_grpc.SynthesisServiceServicer):
    _ideas: Ideas

    async def _message(self, idea: Document, resolved_from: str = "") -> synthesis_pb2.Idea:
        counts = await self._ideas.counts([idea["_id"]])
        return idea_message(idea, counts[idea["_id"]], resolved_from)

    async def CreateIdea(
        self, request: synthesis_pb2.CreateIdeaRequest, context: Context
    ) -> synthesis_pb2.Idea:
        if len(request.title) > TITLE_MAX:
            raise InvalidArgument(f"title is longer than {TITLE_MAX}", field="title")
        if len(request.description) > DESCRIPTION_MAX:
            raise InvalidArgument(f"description is longer than {DESCRIPTION_MAX}",
                                  field="description")
        created = await self._ideas.create(
            consultation_id=require_id(request.consultation_id, field="consultation_id"),
            theme_id=require_id(request.theme_id, field="theme_id"), title=request.title,
            description=request.description,
            parent_id=require_id(request.parent_id, field="parent_id")
            if request.parent_id else None,
            actor=request.actor_id, roles=list(request.actor_roles),
            idempotency_key=request.idempotency_key or None)
        return await self._message(created)

    async def GetIdea(
        self, request: synthesis_pb2.GetIdeaRequest, context: Context
    ) -> synthesis_pb2.Idea:
        idea_id = require_id(request.idea_id, field="idea_id")
        idea = await self._ideas.resolve(
            require_id(request.consultation_id, field="consultation_id"), idea_id)
        return await self._message(idea, "" if idea["_id"] == idea_id else idea_id)

    async def ListIdeas(
        self, request: synthesis_pb2.ListIdeasRequest, context: Context
    ) -> synthesis_pb2.ListIdeasResponse:
        limit = page_size(request.page_size)
        found = await self._ideas.page(
            require_id(request.consultation_id, field="consultation_id"),
            theme_id=require_id(request.theme_id, field="theme_id")
            if request.theme_id else None,
            after=decode_cursor(request.cursor), limit=limit + 1,
            include_merged=request.include_merged)
        shown = found[:limit]
        counts = await self._ideas.counts([i["_id"] for i in shown])
        return synthesis_pb2.ListIdeasResponse(
            ideas=[idea_message(i, counts[i["_id"]]) for i in shown],
            next_cursor=encode_cursor(found[limit - 1]["_id"]) if len(found) > limit else "")

    async def SetIdeaStatus(
        self, request: synthesis_pb2.SetIdeaStatusRequest, context: Context
    ) -> synthesis_pb2.Idea:
        updated = await self._ideas.set_status(
            consultation_id=require_id(request.consultation_id, field="consultation_id"),
            idea_id=require_id(request.idea_id, field="idea_id"),
            status=STATUS_FROM_PROTO.get(request.status, ""),
            open_deepening=request.open_deepening, actor=request.actor_id,
            roles=list(request.actor_roles))
        return await self._message(updated)

    async def EditIdea(
        self, request: synthesis_pb2.EditIdeaRequest, context: Context
    ) -> synthesis_pb2.Idea:
        edited = await self._ideas.edit(
            consultation_id=require_id(request.consultation_id, field="consultation_id"),
            idea_id=require_id(request.idea_id, field="idea_id"), title=request.title,
            description=request.description, actor=request.actor_id,
            roles=list(request.actor_roles))
        return await self._message(edited)

    async def MergeIdea(
        self, request: synthesis_pb2.MergeIdeaRequest, context: Context
    ) -> synthesis_pb2.Idea:
        target = await self._ideas.merge(
            consultation_id=require_id(request.consultation_id, field="consultation_id"),
            idea_id=require_id(request.idea_id, field="idea_id"),
            into_id=require_id(request.into_id, field="into_id"), actor=request.actor_id,
            roles=list(request.actor_roles))
        return await self._message(target, request.idea_id)

    async def UndoMerge(
        self, request: synthesis_pb2.UndoMergeRequest, context: Context
    ) -> synthesis_pb2.Idea:
        restored = await self._ideas.undo_merge(
            consultation_id=require_id(request.consultation_id, field="consultation_id"),
            idea_id=require_id(request.idea_id, field="idea_id"), actor=request.actor_id,
            roles=list(request.actor_roles))
        return await self._message(restored)
