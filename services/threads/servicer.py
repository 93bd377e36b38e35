"""gRPC servicer of the threads service: checks the caller's role, validates, calls the
domain modules, converts to protos. Moderation and reactions are in `moderation_rpcs`,
participation records in `participation_rpcs`."""

from __future__ import annotations

from datetime import UTC

from agora.v1 import threads_pb2
from agora_kit.errors import InvalidArgument
from agora_kit.ids import decode_cursor, encode_cursor, require_id
from agora_kit.rendering import render_body
from agora_kit.types import Context
from services.threads import adapt, deepening, edits, kinds, phases, reactions, validation
from services.threads.knowledge_rpcs import KnowledgeRpcs
from services.threads.messages import (
    consultation_message,
    post_message,
    thread_message,
    timestamp,
)
from services.threads.moderation_rpcs import ModerationRpcs
from services.threads.paging import page_size
from services.threads.participation import ParticipationStore
from services.threads.participation_rpcs import ParticipationRpcs
from services.threads.permissions import Action, require
from services.threads.posts import create_post, get_post, list_posts, locate_post, pinned_posts
from services.threads.store import ThreadsStore
from services.threads.structure import draft_of, to_millis
from services.threads.visibility import Viewer

FORMATS = (threads_pb2.POST_FORMAT_PLAIN, threads_pb2.POST_FORMAT_MARKDOWN)


def post_format(value: int) -> int:
    if value not in FORMATS:
        raise InvalidArgument("format must be plain or markdown", field="format")
    return value


class ThreadsServicer(ModerationRpcs, KnowledgeRpcs, ParticipationRpcs):
    def __init__(self, store: ThreadsStore, participation: ParticipationStore, *,
                 post_max_chars: int) -> None:
        self._store = store
        self._participation = participation
        self._post_max_chars = post_max_chars

    # -- consultations -----------------------------------------------------------

    async def CreateConsultation(
        self, request: threads_pb2.CreateConsultationRequest, context: Context
    ) -> threads_pb2.Consultation:
        require(Action.CREATE_CONSULTATION, request.actor_roles)
        doc = await self._store.create_consultation(
            draft=draft_of(request),
            actor=validation.actor(request.actor_id),
            idempotency_key=validation.idempotency_key(request.idempotency_key),
        )
        return consultation_message(doc)

    async def UpdateConsultation(
        self, request: threads_pb2.UpdateConsultationRequest, context: Context
    ) -> threads_pb2.Consultation:
        require(Action.ADAPT_CONSULTATION, request.actor_roles)
        doc = await adapt.update_structure(
            self._store,
            consultation_id=require_id(request.consultation_id, field="consultation_id"),
            draft=draft_of(request),
            actor=validation.actor(request.actor_id),
        )
        return consultation_message(doc)

    async def ChangePhase(
        self, request: threads_pb2.ChangePhaseRequest, context: Context
    ) -> threads_pb2.Consultation:
        require(Action.CHANGE_PHASE, request.actor_roles)
        if request.change not in adapt.PHASE_CHANGES:
            raise InvalidArgument("change must be advance, extend or reopen", field="change")
        phase = ends_at = None
        if request.change != threads_pb2.PHASE_CHANGE_ADVANCE:
            if request.phase not in range(1, len(phases.ORDER) + 1):
                raise InvalidArgument("which phase to change is required", field="phase")
            if not request.HasField("ends_at"):
                raise InvalidArgument("ends_at is required", field="ends_at")
            phase = phases.ORDER[request.phase - 1]
            ends_at = to_millis(request.ends_at.ToDatetime(tzinfo=UTC))
        doc = await adapt.change_phase(
            self._store,
            consultation_id=require_id(request.consultation_id, field="consultation_id"),
            change=request.change, phase=phase, ends_at=ends_at,
            actor=validation.actor(request.actor_id),
        )
        return consultation_message(doc)

    async def GetConsultation(
        self, request: threads_pb2.GetConsultationRequest, context: Context
    ) -> threads_pb2.Consultation:
        consultation_id = require_id(request.consultation_id, field="consultation_id")
        return consultation_message(await self._store.get_consultation(consultation_id))

    async def ListConsultations(
        self, request: threads_pb2.ListConsultationsRequest, context: Context
    ) -> threads_pb2.ListConsultationsResponse:
        limit = page_size(request.page_size)
        docs = await self._store.list_consultations(
            after=decode_cursor(request.cursor), limit=limit + 1
        )
        next_cursor = encode_cursor(docs[limit - 1]["_id"]) if len(docs) > limit else ""
        return threads_pb2.ListConsultationsResponse(
            consultations=[consultation_message(d) for d in docs[:limit]], next_cursor=next_cursor
        )

    # -- threads -----------------------------------------------------------------

    async def CreateThread(
        self, request: threads_pb2.CreateThreadRequest, context: Context
    ) -> threads_pb2.Thread:
        kind = kinds.kind_of(request.kind)
        require(kinds.CREATE[kind], request.actor_roles)
        doc = await self._store.create_thread(
            consultation_id=require_id(request.consultation_id, field="consultation_id"),
            theme_id=require_id(request.theme_id, field="theme_id"),
            title=validation.title(request.title),
            actor=validation.actor(request.actor_id),
            idempotency_key=validation.idempotency_key(request.idempotency_key),
            kind=kind, idea_id=kinds.idea_ref(kind, request.idea_id),
            columns=kinds.columns(kind, request.column_labels),
            sub_theme_id=require_id(request.sub_theme_id, field="sub_theme_id")
            if request.sub_theme_id else None,
        )
        return thread_message(doc)

    async def GetThread(
        self, request: threads_pb2.GetThreadRequest, context: Context
    ) -> threads_pb2.Thread:
        thread_id = require_id(request.thread_id, field="thread_id")
        doc = await self._store.get_thread(thread_id)
        counts = await self._store.count_posts([thread_id])
        return thread_message(doc, counts.get(thread_id, 0))

    async def ListThreads(
        self, request: threads_pb2.ListThreadsRequest, context: Context
    ) -> threads_pb2.ListThreadsResponse:
        limit = page_size(request.page_size)
        docs = await self._store.list_threads(
            consultation_id=require_id(request.consultation_id, field="consultation_id"),
            theme_id=require_id(request.theme_id, field="theme_id") if request.theme_id else None,
            after=decode_cursor(request.cursor),
            limit=limit + 1,
            kind=kinds.kind_of(request.kind) if request.kind else None,
            sub_theme_id=require_id(request.sub_theme_id, field="sub_theme_id")
            if request.sub_theme_id else None,
        )
        next_cursor = encode_cursor(docs[limit - 1]["_id"]) if len(docs) > limit else ""
        docs = docs[:limit]
        counts = await self._store.count_posts([d["_id"] for d in docs])
        return threads_pb2.ListThreadsResponse(
            threads=[thread_message(d, counts.get(d["_id"], 0)) for d in docs],
            next_cursor=next_cursor,
        )

    async def SetColumnSummary(
        self, request: threads_pb2.SetColumnSummaryRequest, context: Context
    ) -> threads_pb2.Thread:
        require(Action.SUMMARISE_COLUMN, request.actor_roles)
        doc = await deepening.summarise_column(
            self._store, thread_id=require_id(request.thread_id, field="thread_id"),
            column_id=require_id(request.column_id, field="column_id"),
            summary=validation.text(request.summary, field="summary",
                                    max_chars=self._post_max_chars),
            actor=validation.actor(request.actor_id))
        return thread_message(doc)

    # -- posts -------------------------------------------------------------------

    async def CreatePost(
        self, request: threads_pb2.CreatePostRequest, context: Context
    ) -> threads_pb2.Post:
        require(Action.POST, request.actor_roles)
        actor = validation.actor(request.actor_id)
        viewer = Viewer.of(actor, request.actor_roles)
        doc = await create_post(
            self._store,
            thread_id=require_id(request.thread_id, field="thread_id"),
            body=validation.text(request.body, field="body", max_chars=self._post_max_chars),
            post_format=post_format(request.format),
            language=request.language,
            parent_id=require_id(request.parent_id, field="parent_id")
            if request.parent_id else None,
            column_id=require_id(request.column_id, field="column_id")
            if request.column_id else None,
            viewer=viewer,
            idempotency_key=validation.idempotency_key(request.idempotency_key),
        )
        return post_message(doc, viewer)

    async def GetPost(
        self, request: threads_pb2.GetPostRequest, context: Context
    ) -> threads_pb2.Post:
        viewer = Viewer.of(request.viewer_id, request.viewer_roles)
        post_id = require_id(request.post_id, field="post_id")
        doc = viewer.readable(await get_post(self._store, post_id))
        return (await self._with_reactions([doc], viewer))[0]

    async def LocatePost(
        self, request: threads_pb2.LocatePostRequest, context: Context
    ) -> threads_pb2.PostLocation:
        post_id = require_id(request.post_id, field="post_id")
        doc = await locate_post(self._store, post_id)
        return threads_pb2.PostLocation(post_id=post_id, thread_id=doc["thread_id"],
                                        consultation_id=doc["consultation_id"])

    async def ListPosts(
        self, request: threads_pb2.ListPostsRequest, context: Context
    ) -> threads_pb2.ListPostsResponse:
        thread_id = require_id(request.thread_id, field="thread_id")
        viewer = Viewer.of(request.viewer_id, request.viewer_roles)
        limit = page_size(request.page_size)
        after = decode_cursor(request.cursor)
        held_of = None if viewer.moderates else viewer.account_id
        docs = await list_posts(self._store, thread_id=thread_id, after=after,
                                limit=limit + 1, held_of=held_of)
        next_cursor = encode_cursor(docs[limit - 1]["_id"]) if len(docs) > limit else ""
        pinned = [] if after else await pinned_posts(self._store, thread_id, held_of)
        messages = await self._with_reactions(docs[:limit] + pinned, viewer)
        return threads_pb2.ListPostsResponse(
            posts=messages[:len(docs[:limit])], pinned=messages[len(docs[:limit]):],
            next_cursor=next_cursor,
        )

    async def EditPost(
        self, request: threads_pb2.EditPostRequest, context: Context
    ) -> threads_pb2.Post:
        require(Action.POST, request.actor_roles)
        viewer = Viewer.of(validation.actor(request.actor_id), request.actor_roles)
        doc = await edits.edit(
            self._store, post_id=require_id(request.post_id, field="post_id"),
            body=validation.text(request.body, field="body", max_chars=self._post_max_chars),
            post_format=post_format(request.format), viewer=viewer,
        )
        return (await self._with_reactions([doc], viewer))[0]

    async def ListPostRevisions(
        self, request: threads_pb2.GetPostRequest, context: Context
    ) -> threads_pb2.ListPostRevisionsResponse:
        viewer = Viewer.of(request.viewer_id, request.viewer_roles)
        post_id = require_id(request.post_id, field="post_id")
        post = viewer.readable(await get_post(self._store, post_id))
        if not viewer.may_read_text(post):
            return threads_pb2.ListPostRevisionsResponse()
        docs = await edits.revisions(self._store, post_id)
        return threads_pb2.ListPostRevisionsResponse(revisions=[
            threads_pb2.PostRevision(revision=d["revision"], body=d["body"], format=d["format"],
                                     body_html=render_body(d["body"], d["format"]),
                                     written_at=timestamp(d["written_at"])) for d in docs])

    async def PinPost(
        self, request: threads_pb2.PinPostRequest, context: Context
    ) -> threads_pb2.Post:
        require(Action.PIN, request.actor_roles)
        viewer = Viewer.of(validation.actor(request.actor_id), request.actor_roles)
        doc = await edits.pin(self._store, post_id=require_id(request.post_id, field="post_id"),
                              pinned=request.pinned, viewer=viewer)
        return post_message(doc, viewer)

    async def _with_reactions(self, docs: list[dict[str, object]],
                              viewer: Viewer) -> list[threads_pb2.Post]:
        ids = [str(d["_id"]) for d in docs]
        counts = await reactions.counts_for(self._store, ids)
        mine = await reactions.mine_for(self._store, ids, viewer.account_id)
        return [post_message(d, viewer, counts.get(i), mine.get(i, "")) for d, i in
                zip(docs, ids, strict=True)]
