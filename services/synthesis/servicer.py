"""gRPC servicer of the synthesis service: thin, the stores do the work."""

from __future__ import annotations

from typing import TypeAlias

import grpc

from agora.v1 import synthesis_pb2, synthesis_pb2_grpc
from agora_kit.ids import decode_cursor, encode_cursor, page_size, require_id
from agora_kit.types import Document
from services.synthesis.contests import Contests
from services.synthesis.corpus import Corpus
from services.synthesis.deliverable.jobs import Jobs
from services.synthesis.deliverable.rpcs import DeliverableRpcs
from services.synthesis.deliverable.store import Store
from services.synthesis.extracts import STATE_TO_PROTO, Extracts, nature_of
from services.synthesis.idea_rpcs import IdeaRpcs
from services.synthesis.ideas import Ideas
from services.synthesis.permissions import READS_HIDDEN_TEXT
from services.synthesis.posts import HIDDEN
from services.synthesis.syntheses import Syntheses
from services.synthesis.synthesis_rpcs import SynthesisRpcs

Context: TypeAlias = grpc.aio.ServicerContext


def _sees_quote(extract: Document, viewer_id: str, viewer_roles: list[str]) -> bool:
    """The quote follows the post's visibility: a hidden post's text is for its author
    and the moderators only (as services/threads/visibility.py rules for the post)."""
    if extract["post_status"] != HIDDEN:
        return True
    wrote = viewer_id != "" and viewer_id == extract["author_id"]
    return wrote or not READS_HIDDEN_TEXT.isdisjoint(viewer_roles)


def extract_message(extract: Document, viewer_id: str,
                    viewer_roles: list[str]) -> synthesis_pb2.Extract:
    anchor = extract["anchor"]
    shown = _sees_quote(extract, viewer_id, viewer_roles)
    message = synthesis_pb2.Extract(
        id=extract["_id"], consultation_id=extract["consultation_id"],
        post_id=extract["post_id"], thread_id=extract["thread_id"],
        theme_id=extract["theme_id"],
        nature=synthesis_pb2.ExtractNature.Value(f"EXTRACT_NATURE_{extract['nature'].upper()}"),
        state=STATE_TO_PROTO[extract["state"]], quote_withheld=not shown,
        post_status=extract["post_status"], author_id=extract["author_id"],
        author_erased=extract["author_erased"], language=extract["language"],
        post_revision=extract["post_revision"], created_by=extract["created_by"],
        idea_id=extract.get("idea_id") or "")
    if shown:
        message.anchor.CopyFrom(synthesis_pb2.TextAnchor(
            exact=anchor["exact"], prefix=anchor["prefix"], suffix=anchor["suffix"],
            start=anchor["start"], end=anchor["end"]))
    message.created_at.FromDatetime(extract["created_at"])
    message.anchored_at.FromDatetime(extract["anchored_at"])
    return message


class SynthesisServicer(IdeaRpcs, SynthesisRpcs, DeliverableRpcs,
                        synthesis_pb2_grpc.SynthesisServiceServicer):
    def __init__(self, corpus: Corpus, extracts: Extracts, ideas: Ideas,
                 syntheses: Syntheses, contests: Contests, jobs: Jobs, store: Store) -> None:
        self._corpus = corpus
        self._extracts = extracts
        self._ideas = ideas
        self._syntheses = syntheses
        self._contests = contests
        self._jobs = jobs
        self._store = store

    async def GetCorpusStats(
        self, request: synthesis_pb2.GetCorpusStatsRequest, context: Context
    ) -> synthesis_pb2.CorpusStats:
        consultation_id = require_id(request.consultation_id, field="consultation_id")
        contributions, contributors = await self._corpus.stats(consultation_id)
        return synthesis_pb2.CorpusStats(
            consultation_id=consultation_id,
            contributions=contributions,
            contributors=contributors,
        )

    async def FileExtract(
        self, request: synthesis_pb2.FileExtractRequest, context: Context
    ) -> synthesis_pb2.Extract:
        consultation_id = require_id(request.consultation_id, field="consultation_id")
        idea_id = None
        if request.idea_id:
            idea = await self._ideas.resolve(
                consultation_id, require_id(request.idea_id, field="idea_id"), in_body=True)
            idea_id = idea["_id"]
        filed = await self._extracts.file(
            consultation_id=require_id(request.consultation_id, field="consultation_id"),
            post_id=require_id(request.post_id, field="post_id"), start=request.start,
            end=request.end, nature=nature_of(request.nature), idea_id=idea_id,
            actor=request.actor_id,
            roles=list(request.actor_roles), idempotency_key=request.idempotency_key or None)
        return extract_message(filed, request.actor_id, list(request.actor_roles))

    async def GetExtract(
        self, request: synthesis_pb2.GetExtractRequest, context: Context
    ) -> synthesis_pb2.Extract:
        found = await self._extracts.get(
            require_id(request.consultation_id, field="consultation_id"),
            require_id(request.extract_id, field="extract_id"))
        return extract_message(found, request.viewer_id, list(request.viewer_roles))

    async def ListExtracts(
        self, request: synthesis_pb2.ListExtractsRequest, context: Context
    ) -> synthesis_pb2.ListExtractsResponse:
        limit = page_size(request.page_size)
        consultation_id = require_id(request.consultation_id, field="consultation_id")
        post_id = require_id(request.post_id, field="post_id") if request.post_id else None
        idea_id = None
        if request.idea_id:  # a merged idea's extracts are its target's now
            idea_id = (await self._ideas.resolve(
                consultation_id, require_id(request.idea_id, field="idea_id"),
                in_body=True))["_id"]
        found = await self._extracts.page(
            consultation_id, post_id=post_id, idea_id=idea_id,
            after=decode_cursor(request.cursor), limit=limit + 1)
        roles = list(request.viewer_roles)
        return synthesis_pb2.ListExtractsResponse(
            extracts=[extract_message(e, request.viewer_id, roles) for e in found[:limit]],
            next_cursor=encode_cursor(found[limit - 1]["_id"]) if len(found) > limit else "")

    async def ReanchorExtract(
        self, request: synthesis_pb2.ReanchorExtractRequest, context: Context
    ) -> synthesis_pb2.Extract:
        updated = await self._extracts.reanchor(
            consultation_id=require_id(request.consultation_id, field="consultation_id"),
            extract_id=require_id(request.extract_id, field="extract_id"),
            start=request.start, end=request.end, actor=request.actor_id,
            roles=list(request.actor_roles))
        return extract_message(updated, request.actor_id, list(request.actor_roles))
