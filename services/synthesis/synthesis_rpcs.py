"""gRPC methods for syntheses and contests (a mixin of the synthesis servicer)."""

from __future__ import annotations

from typing import TypeAlias

import grpc

from agora.v1 import synthesis_pb2, synthesis_pb2_grpc
from agora_kit.ids import decode_cursor, encode_cursor, page_size, require_id
from agora_kit.types import Document
from services.synthesis.contests import Contests
from services.synthesis.syntheses import Syntheses

Context: TypeAlias = grpc.aio.ServicerContext


def synthesis_message(synthesis: Document, latest: int) -> synthesis_pb2.Synthesis:
    message = synthesis_pb2.Synthesis(
        id=synthesis["_id"], consultation_id=synthesis["consultation_id"],
        theme_id=synthesis.get("theme_id") or "", title=synthesis["title"],
        draft=[synthesis_pb2.Paragraph(anchor=p["anchor"] or "", text=p["text"])
               for p in synthesis["draft"]],
        latest_version=latest, created_by=synthesis["created_by"])
    message.created_at.FromDatetime(synthesis["created_at"])
    return message


def version_message(version: Document, contests: dict[str, int]
                    ) -> synthesis_pb2.SynthesisVersion:
    message = synthesis_pb2.SynthesisVersion(
        synthesis_id=version["synthesis_id"], consultation_id=version["consultation_id"],
        number=version["number"], title=version["title"],
        paragraphs=[synthesis_pb2.Paragraph(anchor=p["anchor"], text=p["text"],
                                            contests=contests.get(p["anchor"], 0))
                    for p in version["paragraphs"]],
        published_by=version["published_by"])
    message.published_at.FromDatetime(version["published_at"])
    return message


def contest_message(contest: Document) -> synthesis_pb2.Contest:
    message = synthesis_pb2.Contest(
        id=contest["_id"], synthesis_id=contest["synthesis_id"], anchor=contest["anchor"],
        version=contest["version"], body=contest["body"], author_id=contest["author_id"],
        status=contest["status"], resolved_in_version=contest["resolved_in_version"] or 0)
    for r in contest["replies"]:
        reply = message.replies.add(author_id=r["author_id"], body=r["body"])
        reply.created_at.FromDatetime(r["created_at"])
    message.created_at.FromDatetime(contest["created_at"])
    return message


class SynthesisRpcs(synthesis_pb2_grpc.SynthesisServiceServicer):
    _syntheses: Syntheses
    _contests: Contests

    async def _synthesis(self, synthesis: Document) -> synthesis_pb2.Synthesis:
        latest = await self._syntheses.latest(synthesis["_id"])
        return synthesis_message(synthesis, latest["number"] if latest else 0)

    async def CreateSynthesis(
        self, request: synthesis_pb2.CreateSynthesisRequest, context: Context
    ) -> synthesis_pb2.Synthesis:
        created = await self._syntheses.create(
            consultation_id=require_id(request.consultation_id, field="consultation_id"),
            theme_id=require_id(request.theme_id, field="theme_id")
            if request.theme_id else None, title=request.title, actor=request.actor_id,
            roles=list(request.actor_roles), idempotency_key=request.idempotency_key or None)
        return await self._synthesis(created)

    async def GetSynthesis(
        self, request: synthesis_pb2.GetSynthesisRequest, context: Context
    ) -> synthesis_pb2.Synthesis:
        return await self._synthesis(await self._syntheses.get(
            require_id(request.consultation_id, field="consultation_id"),
            require_id(request.synthesis_id, field="synthesis_id")))

    async def ListSyntheses(
        self, request: synthesis_pb2.ListSynthesesRequest, context: Context
    ) -> synthesis_pb2.ListSynthesesResponse:
        limit = page_size(request.page_size)
        found = await self._syntheses.page(
            require_id(request.consultation_id, field="consultation_id"),
            after=decode_cursor(request.cursor), limit=limit + 1)
        return synthesis_pb2.ListSynthesesResponse(
            syntheses=[await self._synthesis(s) for s in found[:limit]],
            next_cursor=encode_cursor(found[limit - 1]["_id"]) if len(found) > limit else "")

    async def SaveDraft(
        self, request: synthesis_pb2.SaveDraftRequest, context: Context
    ) -> synthesis_pb2.Synthesis:
        saved = await self._syntheses.save_draft(
            consultation_id=require_id(request.consultation_id, field="consultation_id"),
            synthesis_id=require_id(request.synthesis_id, field="synthesis_id"),
            paragraphs=[(p.anchor, p.text) for p in request.paragraphs],
            actor=request.actor_id, roles=list(request.actor_roles))
        return await self._synthesis(saved)

    async def PublishSynthesis(
        self, request: synthesis_pb2.PublishSynthesisRequest, context: Context
    ) -> synthesis_pb2.SynthesisVersion:
        version = await self._syntheses.publish(
            consultation_id=require_id(request.consultation_id, field="consultation_id"),
            synthesis_id=require_id(request.synthesis_id, field="synthesis_id"),
            actor=request.actor_id, roles=list(request.actor_roles))
        return version_message(version, await self._contests.per_anchor(request.synthesis_id))

    async def GetSynthesisVersion(
        self, request: synthesis_pb2.GetSynthesisVersionRequest, context: Context
    ) -> synthesis_pb2.SynthesisVersion:
        synthesis_id = require_id(request.synthesis_id, field="synthesis_id")
        version = await self._syntheses.version(
            require_id(request.consultation_id, field="consultation_id"), synthesis_id,
            request.number)
        return version_message(version, await self._contests.per_anchor(synthesis_id))

    async def DiffSynthesisVersions(
        self, request: synthesis_pb2.DiffSynthesisVersionsRequest, context: Context
    ) -> synthesis_pb2.SynthesisDiff:
        changes = await self._syntheses.diff(
            require_id(request.consultation_id, field="consultation_id"),
            require_id(request.synthesis_id, field="synthesis_id"), request.from_number,
            request.to_number)
        return synthesis_pb2.SynthesisDiff(
            from_number=request.from_number, to_number=request.to_number,
            changes=[synthesis_pb2.ParagraphChange(**c) for c in changes])

    async def ContestParagraph(
        self, request: synthesis_pb2.ContestParagraphRequest, context: Context
    ) -> synthesis_pb2.Contest:
        return contest_message(await self._contests.open(
            consultation_id=require_id(request.consultation_id, field="consultation_id"),
            synthesis_id=require_id(request.synthesis_id, field="synthesis_id"),
            number=request.version, anchor=request.anchor, body=request.body,
            actor=request.actor_id, roles=list(request.actor_roles),
            idempotency_key=request.idempotency_key or None))

    async def AnswerContest(
        self, request: synthesis_pb2.AnswerContestRequest, context: Context
    ) -> synthesis_pb2.Contest:
        return contest_message(await self._contests.answer(
            consultation_id=require_id(request.consultation_id, field="consultation_id"),
            contest_id=require_id(request.contest_id, field="contest_id"), body=request.body,
            actor=request.actor_id, roles=list(request.actor_roles)))

    async def ResolveContest(
        self, request: synthesis_pb2.ResolveContestRequest, context: Context
    ) -> synthesis_pb2.Contest:
        return contest_message(await self._contests.resolve(
            consultation_id=require_id(request.consultation_id, field="consultation_id"),
            contest_id=require_id(request.contest_id, field="contest_id"),
            number=request.version, actor=request.actor_id, roles=list(request.actor_roles)))

    async def ListContests(
        self, request: synthesis_pb2.ListContestsRequest, context: Context
    ) -> synthesis_pb2.ListContestsResponse:
        limit = page_size(request.page_size)
        synthesis = await self._syntheses.get(
            require_id(request.consultation_id, field="consultation_id"),
            require_id(request.synthesis_id, field="synthesis_id"))
        found = await self._contests.page(synthesis["_id"], anchor=request.anchor or None,
                                          after=decode_cursor(request.cursor), limit=limit + 1)
        return synthesis_pb2.ListContestsResponse(
            contests=[contest_message(c) for c in found[:limit]],
            next_cursor=encode_cursor(found[limit - 1]["_id"]) if len(found) > limit else "")
