"""The threads service's MongoDB data: consultations, threads, posts.

Every creation commits the document and its event (outbox) in one transaction.
"""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING

from agora.v1 import events_pb2
from agora_kit import idempotency
from agora_kit.clock import now
from agora_kit.errors import InvalidArgument, NotFound
from agora_kit.events.envelope import new_envelope
from agora_kit.ids import new_id
from agora_kit.mongo import Document, Session, in_transaction
from agora_kit.runtime import Dependencies
from services.threads.metrics import POSTS_CREATED

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20


class ThreadsStore:
    def __init__(self, deps: Dependencies) -> None:
        self._deps = deps
        db = deps.db
        self.consultations = db["consultations"]
        self.threads = db["threads"]
        self.posts = db["posts"]

    async def ensure_indexes(self) -> None:
        await self.threads.create_index([("consultation_id", ASCENDING), ("_id", ASCENDING)])
        await self.posts.create_index([("thread_id", ASCENDING), ("_id", ASCENDING)])
        for collection in (self.consultations, self.threads, self.posts):
            await idempotency.ensure_index(collection)

    # -- consultations -------------------------------------------------------------

    async def create_consultation(
        self,
        *,
        title: str,
        languages: list[str],
        theme_titles: list[str],
        actor: str,
        idempotency_key: str | None,
    ) -> Document:
        request = {"title": title, "languages": languages, "themes": theme_titles}

        async def create(extra: dict[str, Any]) -> Document:
            document = {
                "_id": new_id(),
                "title": title,
                "languages": languages,
                "themes": [{"id": new_id(), "title": t} for t in theme_titles],
                "created_by": actor,
                "created_at": now(),
                **extra,
            }
            event = events_pb2.ConsultationCreated(
                consultation_id=document["_id"],
                title=title,
                languages=languages,
                theme_ids=[theme["id"] for theme in document["themes"]],
            )
            envelope = new_envelope(
                event_type="consultation.created",
                consultation_id=document["_id"],
                actor=actor,
                payload=event,
            )
            await self._insert(self.consultations, document, envelope)
            return document

        return await idempotency.create_once(
            self.consultations, actor=actor, key=idempotency_key, request=request, create=create
        )

    async def get_consultation(self, consultation_id: str) -> Document:
        document = await self.consultations.find_one({"_id": consultation_id})
        if document is None:
            raise NotFound(
                f"consultation {consultation_id} does not exist", field="consultation_id"
            )
        return document

    async def list_consultations(self, *, after: str | None, limit: int) -> list[Document]:
        query: dict[str, Any] = {"_id": {"$gt": after}} if after else {}
        return await self.consultations.find(query).sort("_id", ASCENDING).limit(limit).to_list()

    # -- threads -----------------------------------------------------------------

    async def create_thread(
        self,
        *,
        consultation_id: str,
        theme_id: str,
        title: str,
        actor: str,
        idempotency_key: str | None,
    ) -> Document:
        consultation = await self.get_consultation(consultation_id)
        if theme_id not in {theme["id"] for theme in consultation["themes"]}:
            raise InvalidArgument(
                f"theme {theme_id} is not a theme of this consultation", field="theme_id"
            )
        request = {"consultation_id": consultation_id, "theme_id": theme_id, "title": title}

        async def create(extra: dict[str, Any]) -> Document:
            document = {
                "_id": new_id(),
                "consultation_id": consultation_id,
                "theme_id": theme_id,
                "title": title,
                "created_by": actor,
                "created_at": now(),
                **extra,
            }
            event = events_pb2.ThreadCreated(
                thread_id=document["_id"], theme_id=theme_id, title=title
            )
            envelope = new_envelope(
                event_type="thread.created",
                consultation_id=consultation_id,
                actor=actor,
                payload=event,
            )
            await self._insert(self.threads, document, envelope)
            return document

        return await idempotency.create_once(
            self.threads, actor=actor, key=idempotency_key, request=request, create=create
        )

    async def get_thread(self, thread_id: str) -> Document:
        document = await self.threads.find_one({"_id": thread_id})
        if document is None:
            raise NotFound(f"thread {thread_id} does not exist", field="thread_id")
        return document

    async def list_threads(self, *, consultation_id: str, theme_id: str | None,
                           after: str | None, limit: int) -> list[Document]:
        query: dict[str, Any] = {"consultation_id": consultation_id}
        if theme_id:
            query["theme_id"] = theme_id
        if after:
            query["_id"] = {"$gt": after}
        threads = await self.threads.find(query).sort("_id", ASCENDING).limit(limit).to_list()
        if not threads and after is None:
            await self.get_consultation(consultation_id)
        return threads

    async def count_posts(self, thread_id: str) -> int:
        return await self.posts.count_documents({"thread_id": thread_id})

    # -- posts -------------------------------------------------------------------

    async def create_post(
        self,
        *,
        thread_id: str,
        body: str,
        post_format: int,
        language: str,
        actor: str,
        idempotency_key: str | None,
    ) -> Document:
        thread = await self.get_thread(thread_id)
        consultation = await self.get_consultation(thread["consultation_id"])
        language = language or consultation["languages"][0]
        if language not in consultation["languages"]:
            raise InvalidArgument(
                f"language {language!r} is not one of the consultation's", field="language"
            )
        request = {
            "thread_id": thread_id,
            "body": body,
            "format": post_format,
            "language": language,
        }

        async def create(extra: dict[str, Any]) -> Document:
            document = {
                "_id": new_id(),
                "thread_id": thread_id,
                "consultation_id": thread["consultation_id"],
                "theme_id": thread["theme_id"],
                "author_id": actor,
                "created_by": actor,
                "body": body,
                "format": post_format,
                "language": language,
                "created_at": now(),
                **extra,
            }
            event = events_pb2.PostCreated(
                post_id=document["_id"],
                thread_id=thread_id,
                theme_id=thread["theme_id"],
                author_id=actor,
                body=body,
                language=language,
            )
            event.created_at.FromDatetime(document["created_at"])
            envelope = new_envelope(
                event_type="post.created",
                consultation_id=thread["consultation_id"],
                actor=actor,
                payload=event,
            )
            await self._insert(self.posts, document, envelope)
            POSTS_CREATED.inc()
            return document

        return await idempotency.create_once(
            self.posts, actor=actor, key=idempotency_key, request=request, create=create
        )

    async def list_posts(self, *, thread_id: str, after: str | None, limit: int) -> list[Document]:
        query: dict[str, Any] = {"thread_id": thread_id}
        if after:
            query["_id"] = {"$gt": after}
        posts = await self.posts.find(query).sort("_id", ASCENDING).limit(limit).to_list()
        if not posts and after is None:
            await self.get_thread(thread_id)  # an empty page of an unknown thread is a 404
        return posts

    # -- helpers -----------------------------------------------------------------

    async def _insert(
        self, collection: Any, document: Document, envelope: events_pb2.EventEnvelope
    ) -> None:
        """Insert the document and its event in one transaction, then wake the relay."""

        async def work(session: Session) -> None:
            await collection.insert_one(document, session=session)
            await self._deps.outbox.add(envelope, session=session)

        await in_transaction(self._deps.mongo, work)
        self._deps.outbox.wake_relay()
