"""The threads service's MongoDB data: consultations, threads, posts.

Every creation commits the document and its event (outbox) in one transaction. Edits,
reactions and moderation live in their own modules and share `commit` below.
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
from services.threads.metrics import POSTS_CREATED
from services.threads.post_events import post_created
from services.threads.post_language import post_language
from services.threads.structure import ConsultationDraft

T = TypeVar("T")

if TYPE_CHECKING:  # visibility.py reads this module's statuses
    from services.threads.visibility import Viewer

MAX_DEPTH = 50
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
            )
            envelope = new_envelope(
                event_type=EVENTS.consultation_created,
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

    # -- posts -------------------------------------------------------------------

    async def create_post(
        self,
        *,
        thread_id: str,
        body: str,
        post_format: int,
        language: str,
        parent_id: str | None,
        viewer: Viewer,
        idempotency_key: str | None,
        column_id: str | None = None,
    ) -> Document:
        """A post by `viewer`; a reply only to a post they may answer (visibility.py)."""
        actor = viewer.account_id
        thread = await self.get_thread(thread_id)
        consultation = await self.get_consultation(thread["consultation_id"])
        phases.require_module(consultation_phases(consultation),
                              kinds.MODULE[kinds.of_thread(thread)], now())
        languages = post_language(body, language, consultation)
        depth = 0
        parent_column = None
        if parent_id is not None:
            parent = await self.posts.find_one(
                {"_id": parent_id},
                {"thread_id": 1, "depth": 1, "column_id": 1, "status": 1, "author_id": 1})
            if parent is None or parent["thread_id"] != thread_id:
                raise NotFound(f"post {parent_id} is not a post of this thread",
                               field="parent_id")
            viewer.answerable(parent, field="parent_id")
            depth = parent.get("depth", 0) + 1
            parent_column = parent.get("column_id")
            if depth > MAX_DEPTH:
                raise InvalidArgument(f"replies nest at most {MAX_DEPTH} deep", field="parent_id")
        column_id = kinds.column_of(thread, column_id, parent_column)
        request = {
            "thread_id": thread_id,
            "body": body,
            "format": post_format,
            "language": language,
            "parent_id": parent_id,
            "column_id": column_id,
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
                **languages,
                "created_at": now(),
                "parent_id": parent_id,
                "column_id": column_id,
                "depth": depth,
                "revision": 0,
                "pinned": False,
                "status": PENDING if consultation.get("pre_moderation") else VISIBLE,
                **extra,
            }
            envelope = new_envelope(
                # A held post is announced when a moderator approves it.
                event_type=(EVENTS.post_submitted if document["status"] == PENDING
                            else EVENTS.post_created),
                consultation_id=thread["consultation_id"],
                actor=actor,
                payload=post_created(document),
            )
            await self._insert(self.posts, document, envelope)
            POSTS_CREATED.inc()
            return document

        return await idempotency.create_once(
            self.posts, actor=actor, key=idempotency_key, request=request, create=create
        )

    async def get_post(self, post_id: str) -> Document:
        document = await self.posts.find_one({"_id": post_id})
        if document is None:
            raise NotFound(f"post {post_id} does not exist", field="post_id")
        return document

    async def locate_post(self, post_id: str) -> Document:
        """The post's thread and consultation, whatever its status."""
        document = await self.posts.find_one({"_id": post_id},
                                             {"thread_id": 1, "consultation_id": 1})
        if document is None:
            raise NotFound(f"post {post_id} does not exist", field="post_id")
        return document

    async def list_posts(self, *, thread_id: str, after: str | None, limit: int,
                         held_of: str | None = "") -> list[Document]:
        """A page in creation order. Posts held by pre-moderation: all of them when
        `held_of` is None (moderators), else only those written by `held_of` (their
        author; "" for nobody's)."""
        query: dict[str, Any] = {"thread_id": thread_id, **_held_by(held_of)}
        if after:
            query["_id"] = {"$gt": after}
        posts = await self.posts.find(query).sort("_id", ASCENDING).limit(limit).to_list()
        if not posts and after is None:
            await self.get_thread(thread_id)  # an empty page of an unknown thread is a 404
        return posts

    async def held_post_ids(self, thread_id: str, author_id: str) -> list[str]:
        """The author's posts in the thread awaiting moderation (an equality lookup on the
        `(thread_id, author_id, status)` index, whatever the thread's size)."""
        docs = await self.posts.find({"thread_id": thread_id, "author_id": author_id,
                                      "status": PENDING}, {"_id": 1}).to_list()
        return [str(d["_id"]) for d in docs]

    async def pinned_posts(self, thread_id: str, held_of: str | None = "") -> list[Document]:
        """Pinned announcements, held ones as for `list_posts` (a hidden post that was
        pinned and then revised is held again)."""
        return await self.posts.find({"thread_id": thread_id, "pinned": True,
                                      **_held_by(held_of)}).sort(
            "_id", ASCENDING).limit(20).to_list()

    # -- helpers -----------------------------------------------------------------

    async def _insert(
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


def _held_by(author_id: str | None) -> dict[str, Any]:
    """The filter on held posts: None keeps them all, "" none, an account its own."""
    if author_id is None:
        return {}
    if author_id == "":
        return {"status": {"$ne": PENDING}}
    return {"$or": [{"status": {"$ne": PENDING}}, {"author_id": author_id}]}


def consultation_phases(consultation: Document) -> list[phases.Phase]:
    return [phases.Phase.of_doc(p) for p in consultation.get("phases", [])]


def phase_kind(phase: phases.Phase | None) -> str:
    """The stored form of a current phase: its kind, or "" when none is current."""
    return phase.kind if phase is not None else ""
