"""The threads service's MongoDB data: its collections, their indexes and `commit`,
plus consultations and threads (created, read, listed).

Every creation commits the document and its event (outbox) in one transaction. Posts
(`posts.py`), edits, reactions and moderation live in their own modules and share
`insert` and `commit` below.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from pymongo import ASCENDING

from agora.v1 import events_pb2
from agora_kit import idempotency
from agora_kit.clock import now
from agora_kit.errors import InvalidArgument, NotFound
from agora_kit.events.catalog import EVENTS
from agora_kit.events.envelope import new_envelope
from agora_kit.events.outbox import Outbox
from agora_kit.ids import new_id
from agora_kit.mongo import Session
from agora_kit.runtime import Dependencies
from agora_kit.types import Document
from services.threads import kinds, phases
from services.threads.structure import ConsultationDraft

T = TypeVar("T")

if TYPE_CHECKING:  # visibility.py reads this module's statuses
    pass

VISIBLE, HIDDEN, PENDING = "visible", "hidden", "pending"

# The phase last announced by a consultation.phase_changed (or at creation): its kind, ""
# for none. The phase announcer compares it with the date-derived phase.
ANNOUNCED_PHASE = "announced_phase"


class ThreadsStore:
    def __init__(self, deps: Dependencies) -> None:
        self._deps = deps
        db = deps.db
        self.consultations = db["consultations"]
        self.threads = db["threads"]
        self.posts = db["posts"]
        self.revisions = db["post_revisions"]
        self.reactions = db["reactions"]
        self.reports = db["reports"]
        self.moderation_log = db["moderation_log"]
        self.resources = db["resources"]
        self.workshop_imports = db["workshop_imports"]

    async def ensure_indexes(self) -> None:
        await self.threads.create_index([("consultation_id", ASCENDING), ("_id", ASCENDING)])
        await self.posts.create_index([("thread_id", ASCENDING), ("_id", ASCENDING)])
        await self.posts.create_index([("thread_id", ASCENDING), ("pinned", ASCENDING)])
        await self.posts.create_index([("thread_id", ASCENDING), ("author_id", ASCENDING),
                                       ("status", ASCENDING)])
        await self.revisions.create_index([("post_id", ASCENDING), ("revision", ASCENDING)])
        await self.reactions.create_index([("post_id", ASCENDING), ("kind", ASCENDING)])
        await self.reactions.create_index([("thread_id", ASCENDING), ("user_id", ASCENDING)])
        await self.reports.create_index([("consultation_id", ASCENDING), ("open", ASCENDING),
                                         ("post_id", ASCENDING)])
        await self.moderation_log.create_index([("consultation_id", ASCENDING),
                                                ("_id", ASCENDING)])
        await self.moderation_log.create_index([("post_id", ASCENDING), ("_id", ASCENDING)])
        await self.resources.create_index([("consultation_id", ASCENDING), ("_id", ASCENDING)])
        for collection in (self.consultations, self.threads, self.posts, self.resources,
                           self.workshop_imports):
            await idempotency.ensure_index(collection)

    # -- consultations -------------------------------------------------------------

    async def create_consultation(
        self,
        *,
        draft: ConsultationDraft,
        actor: str,
        idempotency_key: str | None,
    ) -> Document:
        request = draft.fingerprint()

        async def create(extra: dict[str, Any]) -> Document:
            created_at = now()
            document = {
                "_id": new_id(),
                **draft.fields(existing_themes=[]),
                ANNOUNCED_PHASE: phase_kind(phases.current(draft.phases, created_at)),
                "created_by": actor,
                "created_at": created_at,
                **extra,
            }
            event = events_pb2.ConsultationCreated(
                consultation_id=document["_id"],
                title=draft.title,
                languages=draft.languages,
                theme_ids=[theme["id"] for theme in document["themes"]],
                question=draft.question,
                original_language=draft.original_language,
                version_languages=[v.language for v in draft.versions],
            )
            envelope = new_envelope(
                event_type=EVENTS.consultation_created,
                consultation_id=document["_id"],
                actor=actor,
                payload=event,
            )
            await self.insert(self.consultations, document, envelope)
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
        kind: str = kinds.DISCUSSION,
        idea_id: str | None = None,
        columns: list[Document] | None = None,
        sub_theme_id: str | None = None,
    ) -> Document:
        consultation = await self.get_consultation(consultation_id)
        if kind == kinds.DISCUSSION:  # questions and deepenings are prepared in advance
            phases.require_module(consultation_phases(consultation), "threads", now())
        theme = next((t for t in consultation["themes"] if t["id"] == theme_id), None)
        if theme is None:
            raise InvalidArgument(
                f"theme {theme_id} is not a theme of this consultation", field="theme_id"
            )
        if sub_theme_id is not None and sub_theme_id not in {
                s["id"] for s in theme.get("sub_themes", [])}:
            raise InvalidArgument(
                f"sub-theme {sub_theme_id} is not a sub-theme of theme {theme['title']!r}",
                field="sub_theme_id")
        request = {"consultation_id": consultation_id, "theme_id": theme_id, "title": title,
                   "kind": kind, "idea_id": idea_id, "sub_theme_id": sub_theme_id,
                   "columns": [c["label"] for c in columns or []]}

        async def create(extra: dict[str, Any]) -> Document:
            document = {
                "_id": new_id(),
                "consultation_id": consultation_id,
                "theme_id": theme_id,
                "sub_theme_id": sub_theme_id,
                "title": title,
                "created_by": actor,
                "created_at": now(),
                "kind": kind,
                "idea_id": idea_id,
                "columns": columns or [],
                **extra,
            }
            event = events_pb2.ThreadCreated(
                thread_id=document["_id"], theme_id=theme_id, title=title,
                sub_theme_id=sub_theme_id or "",
            )
            envelope = new_envelope(
                event_type=EVENTS.thread_created,
                consultation_id=consultation_id,
                actor=actor,
                payload=event,
            )
            await self.insert(self.threads, document, envelope)
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
                           after: str | None, limit: int, kind: str | None = None,
                           sub_theme_id: str | None = None) -> list[Document]:
        query: dict[str, Any] = {"consultation_id": consultation_id}
        if theme_id:
            query["theme_id"] = theme_id
        if sub_theme_id:
            query["sub_theme_id"] = sub_theme_id
        if kind == kinds.DISCUSSION:
            query["kind"] = {"$in": [kinds.DISCUSSION, None]}
        elif kind:
            query["kind"] = kind
        if after:
            query["_id"] = {"$gt": after}
        threads = await self.threads.find(query).sort("_id", ASCENDING).limit(limit).to_list()
        if not threads and after is None:
            await self.get_consultation(consultation_id)
        return threads

    async def count_posts(self, thread_ids: list[str]) -> dict[str, int]:
        """Published posts per thread (held ones are not counted; hidden ones are, as
        readers see their placeholders), in one aggregation for a page of threads."""
        rows = await self.posts.aggregate([
            {"$match": {"thread_id": {"$in": thread_ids}, "status": {"$ne": PENDING}}},
            {"$group": {"_id": "$thread_id", "n": {"$sum": 1}}},
        ])
        return {row["_id"]: int(row["n"]) async for row in rows}

    # -- helpers -----------------------------------------------------------------

    async def insert(
        self, collection: Any, document: Document, envelope: events_pb2.EventEnvelope
    ) -> None:
        """Insert the document and its event in one transaction."""

        async def work(session: Session, outbox: Outbox) -> None:
            await collection.insert_one(document, session=session)
            await outbox.add(envelope, session=session)

        await self.commit(work)

    async def commit(self, work: Callable[[Session, Outbox], Awaitable[T]]) -> T:
        """Run work(session, outbox) in one transaction with the outbox (the kit's
        `commit`: retried on transient conflicts, the relay woken after)."""
        return await self._deps.commit(work)


def consultation_phases(consultation: Document) -> list[phases.Phase]:
    return [phases.Phase.of_doc(p) for p in consultation.get("phases", [])]


def phase_kind(phase: phases.Phase | None) -> str:
    """The stored form of a current phase: its kind, or "" when none is current."""
    return phase.kind if phase is not None else ""
