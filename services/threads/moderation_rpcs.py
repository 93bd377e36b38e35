"""gRPC methods for reactions and moderation (a mixin of the threads servicer)."""

from __future__ import annotations

from agora.v1 import threads_pb2, threads_pb2_grpc
from agora_kit.errors import InvalidArgument
from agora_kit.ids import decode_cursor, encode_cursor, require_id
from agora_kit.types import Context, Document
from services.threads import moderation, reactions, validation
from services.threads.messages import post_message, timestamp
from services.threads.paging import page_size
from services.threads.permissions import Action, require
from services.threads.posts import held_post_ids
from services.threads.store import ThreadsStore
from services.threads.visibility import Viewer

NOTE_MAX = 1_000
REASON_MAX = 500
COUNT_MAX_POSTS = 200


def log_entry_message(doc: Document) -> threads_pb2.ModerationLogEntry:
    return threads_pb2.ModerationLogEntry(id=doc["_id"], post_id=doc["post_id"],
                                          action=doc["action"], reason=doc["reason"],
                                          moderator_id=doc["moderator_id"], at=timestamp(doc["at"]))


def report_message(doc: Document) -> threads_pb2.Report:
    return threads_pb2.Report(id=doc["_id"], post_id=doc["post_id"], reason=doc["reason"],
                              note=doc["note"], reporter_id=doc["reporter_id"],
                              created_at=timestamp(doc["created_at"]))


class ModerationRpcs(threads_pb2_grpc.ThreadsServiceServicer):
    _store: ThreadsStore

    async def SetReaction(
        self, request: threads_pb2.SetReactionRequest, context: Context
    ) -> threads_pb2.ReactionState:
        require(Action.REACT, request.actor_roles)
        if request.kind != 0 and request.kind not in reactions.KINDS:
            raise InvalidArgument("unknown reaction kind", field="kind")
        post_id = require_id(request.post_id, field="post_id")
        current, post = await reactions.set_reaction(
            self._store, post_id=post_id, kind=reactions.KINDS.get(request.kind),
            viewer=Viewer.of(validation.actor(request.actor_id), request.actor_roles))
        counts = await reactions.counts_for(self._store, [post_id])
        return threads_pb2.ReactionState(post_id=post_id, my_reaction=current or "",
                                         counts=reactions.counts_message(counts.get(post_id, {})),
                                         consultation_id=post["consultation_id"],
                                         theme_id=post["theme_id"],
                                         thread_id=post["thread_id"])

    async def CountReactions(
        self, request: threads_pb2.CountReactionsRequest, context: Context
    ) -> threads_pb2.CountReactionsResponse:
        if len(request.post_ids) > COUNT_MAX_POSTS:
            raise InvalidArgument(f"at most {COUNT_MAX_POSTS} posts at once", field="post_ids")
        post_ids = [require_id(p, field="post_ids") for p in request.post_ids]
        counts = await reactions.counts_for(self._store, post_ids)
        return threads_pb2.CountReactionsResponse(posts={
            p: threads_pb2.ReactionCounts(counts=reactions.counts_message(counts.get(p, {})))
            for p in post_ids})

    async def ListMyReactions(
        self, request: threads_pb2.ListMyReactionsRequest, context: Context
    ) -> threads_pb2.ListMyReactionsResponse:
        thread_id = require_id(request.thread_id, field="thread_id")
        user = validation.actor(request.user_id)
        return threads_pb2.ListMyReactionsResponse(
            reactions=await reactions.mine_in_thread(self._store, thread_id, user),
            held_post_ids=await held_post_ids(self._store, thread_id, user))

    async def ReportPost(
        self, request: threads_pb2.ReportPostRequest, context: Context
    ) -> threads_pb2.Report:
        require(Action.REPORT, request.actor_roles)
        doc = await moderation.report(
            self._store, post_id=require_id(request.post_id, field="post_id"),
            reason=request.reason,
            note=validation.text(request.note, field="note", max_chars=NOTE_MAX, min_chars=0),
            viewer=Viewer.of(validation.actor(request.actor_id), request.actor_roles))
        return report_message(doc)

    async def ModeratePost(
        self, request: threads_pb2.ModeratePostRequest, context: Context
    ) -> threads_pb2.Post:
        require(Action.MODERATE, request.actor_roles)
        doc = await moderation.moderate(
            self._store, post_id=require_id(request.post_id, field="post_id"),
            action=request.action,
            reason=validation.text(request.reason, field="reason", max_chars=REASON_MAX,
                                   min_chars=0),
            actor=validation.actor(request.actor_id))
        return post_message(doc, Viewer.of(request.actor_id, request.actor_roles))

    async def ListModerationQueue(
        self, request: threads_pb2.ListModerationQueueRequest, context: Context
    ) -> threads_pb2.ListModerationQueueResponse:
        require(Action.READ_MODERATION, request.actor_roles)
        viewer = Viewer.of(request.actor_id, request.actor_roles)
        limit = page_size(request.page_size)
        items = await moderation.queue(
            self._store, consultation_id=require_id(request.consultation_id,
                                                    field="consultation_id"),
            after=decode_cursor(request.cursor), limit=limit + 1)
        next_cursor = encode_cursor(items[limit - 1][0]["_id"]) if len(items) > limit else ""
        return threads_pb2.ListModerationQueueResponse(items=[
            threads_pb2.QueueItem(post=post_message(post, viewer),
                                  reports=[report_message(r) for r in reports],
                                  history=[log_entry_message(a) for a in history])
            for post, reports, history in items[:limit]], next_cursor=next_cursor)

    async def ListModerationLog(
        self, request: threads_pb2.ListModerationLogRequest, context: Context
    ) -> threads_pb2.ListModerationLogResponse:
        require(Action.READ_MODERATION, request.actor_roles)
        limit = page_size(request.page_size)
        docs = await moderation.log(
            self._store, consultation_id=require_id(request.consultation_id,
                                                    field="consultation_id"),
            after=decode_cursor(request.cursor), limit=limit + 1)
        next_cursor = encode_cursor(docs[limit - 1]["_id"]) if len(docs) > limit else ""
        return threads_pb2.ListModerationLogResponse(
            entries=[log_entry_message(d) for d in docs[:limit]], next_cursor=next_cursor)
