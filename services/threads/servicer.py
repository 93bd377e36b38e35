"""gRPC servicer of the threads service: validates, calls the store, converts to protos."""

from __future__ import annotations

from datetime import datetime
from typing import TypeAlias

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from agora.v1 import threads_pb2, threads_pb2_grpc
from agora_kit.errors import InvalidArgument
from agora_kit.ids import decode_cursor, encode_cursor, require_id
from agora_kit.mongo import Document
from services.threads import validation
from services.threads.rendering import render_body
from services.threads.store import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, ThreadsStore

Context: TypeAlias = grpc.aio.ServicerContext


def _timestamp(value: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp


def consultation_message(doc: Document) -> threads_pb2.Consultation:
    return threads_pb2.Consultation(
        id=doc["_id"],
        title=doc["title"],
        languages=doc["languages"],
        themes=[threads_pb2.Theme(id=t["id"], title=t["title"]) for t in doc["themes"]],
        created_by=doc["created_by"],
        created_at=_timestamp(doc["created_at"]),
    )


def thread_message(doc: Document, post_count: int = 0) -> threads_pb2.Thread:
    return threads_pb2.Thread(
        id=doc["_id"],
        consultation_id=doc["consultation_id"],
        theme_id=doc["theme_id"],
        title=doc["title"],
        created_by=doc["created_by"],
        created_at=_timestamp(doc["created_at"]),
        post_count=post_count,
    )


def post_message(doc: Document) -> threads_pb2.Post:
    return threads_pb2.Post(
        id=doc["_id"],
        thread_id=doc["thread_id"],
        consultation_id=doc["consultation_id"],
        theme_id=doc["theme_id"],
        author_id=doc["author_id"],
        body=doc["body"],
        format=doc["format"],
        body_html=render_body(doc["body"], doc["format"]),
        language=doc["language"],
        created_at=_timestamp(doc["created_at"]),
    )


def page_size(requested: int) -> int:
    if requested < 0 or requested > MAX_PAGE_SIZE:
        raise InvalidArgument(f"page size must be between 1 and {MAX_PAGE_SIZE}", field="page_size")
    return requested or DEFAULT_PAGE_SIZE


class ThreadsServicer(threads_pb2_grpc.ThreadsServiceServicer):
    def __init__(self, store: ThreadsStore, *, post_max_chars: int) -> None:
        self._store = store
        self._post_max_chars = post_max_chars

    async def CreateConsultation(
        self, request: threads_pb2.CreateConsultationRequest, context: Context
    ) -> threads_pb2.Consultation:
        doc = await self._store.create_consultation(
            title=validation.title(request.title),
            languages=validation.languages(request.languages),
            theme_titles=validation.theme_titles([t.title for t in request.themes]),
            actor=validation.actor(request.actor_id),
            idempotency_key=validation.idempotency_key(request.idempotency_key),
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

    async def CreateThread(
        self, request: threads_pb2.CreateThreadRequest, context: Context
    ) -> threads_pb2.Thread:
        doc = await self._store.create_thread(
            consultation_id=require_id(request.consultation_id, field="consultation_id"),
            theme_id=require_id(request.theme_id, field="theme_id"),
            title=validation.title(request.title),
            actor=validation.actor(request.actor_id),
            idempotency_key=validation.idempotency_key(request.idempotency_key),
        )
        return thread_message(doc)

    async def GetThread(
        self, request: threads_pb2.GetThreadRequest, context: Context
    ) -> threads_pb2.Thread:
        thread_id = require_id(request.thread_id, field="thread_id")
        doc = await self._store.get_thread(thread_id)
        return thread_message(doc, await self._store.count_posts(thread_id))

    async def ListThreads(
        self, request: threads_pb2.ListThreadsRequest, context: Context
    ) -> threads_pb2.ListThreadsResponse:
        limit = page_size(request.page_size)
        docs = await self._store.list_threads(
            consultation_id=require_id(request.consultation_id, field="consultation_id"),
            theme_id=require_id(request.theme_id, field="theme_id") if request.theme_id else None,
            after=decode_cursor(request.cursor),
            limit=limit + 1,
        )
        next_cursor = encode_cursor(docs[limit - 1]["_id"]) if len(docs) > limit else ""
        return threads_pb2.ListThreadsResponse(
            threads=[thread_message(d) for d in docs[:limit]], next_cursor=next_cursor
        )

    async def CreatePost(
        self, request: threads_pb2.CreatePostRequest, context: Context
    ) -> threads_pb2.Post:
        if request.format not in (threads_pb2.POST_FORMAT_PLAIN, threads_pb2.POST_FORMAT_MARKDOWN):
            raise InvalidArgument("format must be plain or markdown", field="format")
        doc = await self._store.create_post(
            thread_id=require_id(request.thread_id, field="thread_id"),
            body=validation.text(request.body, field="body", max_chars=self._post_max_chars),
            post_format=request.format,
            language=request.language,
            actor=validation.actor(request.actor_id),
            idempotency_key=validation.idempotency_key(request.idempotency_key),
        )
        return post_message(doc)

    async def ListPosts(
        self, request: threads_pb2.ListPostsRequest, context: Context
    ) -> threads_pb2.ListPostsResponse:
        thread_id = require_id(request.thread_id, field="thread_id")
        limit = page_size(request.page_size)
        docs = await self._store.list_posts(
            thread_id=thread_id, after=decode_cursor(request.cursor), limit=limit + 1
        )
        next_cursor = encode_cursor(docs[limit - 1]["_id"]) if len(docs) > limit else ""
        return threads_pb2.ListPostsResponse(
            posts=[post_message(d) for d in docs[:limit]], next_cursor=next_cursor
        )
