"""Extracts: passages of posts that idea catchers harvest, each with a nature.

An extract is anchored on the post's original text (anchoring.py) as threads returned it
when it was filed, and records the post's revision, status and author with it, so reads
need nothing but this collection. Events keep those current (extract_events.py): an edit
re-anchors or orphans it, moderation hides or restores its quote, an erasure anonymises
its author. Filing checks, in its transaction, the `post_texts` read model those events
write: an edit or a hiding that threads committed after it answered but that this
service applied before the extract existed is caught up at once, not lost.

Every refusal happens before the one transaction that writes the extract and its
`extract.filed` event, so a refused request writes nothing. The idea it supports is
looked at again in that transaction, which also writes to it (`last_filed_at`): an idea
merged since the caller resolved it is followed to the idea it went into, and a merge
committing meanwhile conflicts with the filing (one of them reruns), so no extract is
ever filed on a merged idea.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from google.protobuf.message import Message
from pymongo import ASCENDING

from agora.v1 import synthesis_pb2
from agora_kit import idempotency
from agora_kit.clock import now
from agora_kit.errors import FailedPrecondition, InvalidArgument, NotFound
from agora_kit.events.catalog import EVENTS, EventType
from agora_kit.events.outbox import Outbox
from agora_kit.ids import new_id
from agora_kit.mongo import Client, Database, Session
from agora_kit.transactions import commit
from agora_kit.types import Document
from services.synthesis import anchoring, permissions
from services.synthesis.events import publish
from services.synthesis.ideas import IDEAS, MAX_DEPTH, MERGED
from services.synthesis.posts import HIDDEN, VISIBLE, Post, Posts

EXTRACTS = "extracts"
POST_TEXTS = "post_texts"
FORMER_PARTICIPANT = "former-participant"
ANCHORED, ORPHANED = "anchored", "orphaned"
NATURES = ("issue", "actionable_solution", "knowledge", "example", "concept", "argument")
STATE_TO_PROTO = {ANCHORED: synthesis_pb2.EXTRACT_STATE_ANCHORED,
                  ORPHANED: synthesis_pb2.EXTRACT_STATE_ORPHANED}


def nature_of(value: int) -> str:
    """The nature's name; InvalidArgument for UNSPECIFIED or a number we do not know."""
    names = {int(v): n for n, v in synthesis_pb2.ExtractNature.items()}
    nature = names.get(value, "").removeprefix("EXTRACT_NATURE_").lower()
    if nature not in NATURES:
        raise InvalidArgument(f"nature must be one of {', '.join(NATURES)}", field="nature")
    return nature


class Extracts:
    def __init__(self, *, mongo: Client, db: Database, outbox: Outbox, posts: Posts) -> None:
        self._mongo = mongo
        self._outbox = outbox
        self._posts = posts
        self.extracts = db[EXTRACTS]
        self.post_texts = db[POST_TEXTS]
        self._ideas = db[IDEAS]

    async def ensure_indexes(self) -> None:
        await self.extracts.create_index([("consultation_id", ASCENDING), ("_id", ASCENDING)])
        await self.extracts.create_index([("post_id", ASCENDING), ("_id", ASCENDING)])
        await self.extracts.create_index("author_id")
        await self.extracts.create_index([("idea_id", ASCENDING), ("_id", ASCENDING)])
        await idempotency.ensure_index(self.extracts)

    async def file(self, *, consultation_id: str, post_id: str, start: int, end: int,
                   nature: str, idea_id: str | None, actor: str, roles: list[str],
                   idempotency_key: str | None) -> Document:
        """File the passage; `idea_id` is an idea of the consultation, resolved by the
        caller (ideas.py) and again in the transaction (merged meanwhile: its target)."""
        permissions.require(permissions.Action.HARVEST, roles)
        request = {"consultation_id": consultation_id, "post_id": post_id, "start": start,
                   "end": end, "nature": nature, "idea_id": idea_id}

        async def create(extra: dict[str, Any]) -> Document:
            asked_at = now()
            post = await self._harvestable(consultation_id, post_id, actor, roles)
            anchor = anchoring.select(post.body, start, end)
            document: Document = {
                "_id": new_id(), "consultation_id": consultation_id, "post_id": post.id,
                "thread_id": post.thread_id, "theme_id": post.theme_id, "nature": nature,
                "idea_id": idea_id,
                "state": ANCHORED, "anchor": anchor.document(), "post_status": post.status,
                "author_id": post.author_id,
                "author_erased": post.author_id == FORMER_PARTICIPANT,
                "language": post.language, "post_revision": post.revision,
                "created_by": actor, "created_at": asked_at, "anchored_at": asked_at, **extra,
            }

            async def work(session: Session) -> Document:
                caught_up = await self._catch_up(document, asked_at, session)
                if idea_id is not None:
                    caught_up = {**caught_up, "idea_id": await self._current_idea(
                        consultation_id, idea_id, asked_at, session)}
                await self.extracts.insert_one(caught_up, session=session)
                await self._event(caught_up, EVENTS.extract_filed, actor, session)
                return caught_up

            filed = await commit(self._mongo, self._outbox, lambda session, _: work(session))
            return filed

        return await idempotency.create_once(self.extracts, actor=actor, key=idempotency_key,
                                             request=request, create=create)

    async def get(self, consultation_id: str, extract_id: str) -> Document:
        found = await self.extracts.find_one({"_id": extract_id,
                                              "consultation_id": consultation_id})
        if found is None:
            raise NotFound(f"extract {extract_id} does not exist", field="extract_id")
        return found

    async def page(self, consultation_id: str, *, post_id: str | None, after: str | None,
                   limit: int, idea_id: str | None = None) -> list[Document]:
        query: dict[str, Any] = {"consultation_id": consultation_id}
        if post_id:
            query["post_id"] = post_id
        if idea_id:
            query["idea_id"] = idea_id
        if after is not None:
            query["_id"] = {"$gt": after}
        found: list[Document] = await self.extracts.find(query).sort("_id", ASCENDING) \
            .limit(limit).to_list()
        return found

    async def reanchor(self, *, consultation_id: str, extract_id: str, start: int, end: int,
                       actor: str, roles: list[str]) -> Document:
        """Anchor the extract on a selection of the post's current text (anchored again)."""
        permissions.require(permissions.Action.HARVEST, roles)
        current = await self.get(consultation_id, extract_id)
        post = await self._harvestable(consultation_id, current["post_id"], actor, roles)
        anchor = anchoring.select(post.body, start, end)
        change = {"anchor": anchor.document(), "state": ANCHORED,
                  "post_revision": post.revision, "anchored_at": now()}

        async def work(session: Session) -> Document:
            updated = {**current, **change}
            await self.extracts.update_one({"_id": extract_id}, {"$set": change},
                                           session=session)
            await self._event(updated, EVENTS.extract_reanchored, actor, session)
            return updated

        updated = await commit(self._mongo, self._outbox, lambda session, _: work(session))
        return updated

    async def _harvestable(self, consultation_id: str, post_id: str, actor: str,
                           roles: list[str]) -> Post:
        """The post, if extracts may be taken from it: in this consultation, published and
        not hidden. Asked as the harvester, so a post they cannot see is not found."""
        post = await self._posts.get(post_id, viewer_id=actor, viewer_roles=tuple(roles))
        if post.consultation_id != consultation_id:
            raise InvalidArgument(f"post {post_id} is not in consultation {consultation_id}",
                                  field="post_id")
        if post.status == HIDDEN:
            raise FailedPrecondition(f"post {post_id} was hidden by the moderators; no "
                                     "extract can be taken from it", field="post_id")
        if post.status != VISIBLE:
            raise FailedPrecondition(f"post {post_id} is awaiting moderation; extracts are "
                                     "taken from published posts", field="post_id")
        return post

    async def _current_idea(self, consultation_id: str, idea_id: str, at: datetime,
                            session: Session) -> str:
        """The idea the extract goes to, as this transaction sees it: `idea_id`, or the
        idea it was merged into since; written to, so a concurrent merge conflicts."""
        current = idea_id
        for _ in range(MAX_DEPTH):
            idea = await self._ideas.find_one(
                {"_id": current, "consultation_id": consultation_id},
                {"status": 1, "merged_into": 1}, session=session)
            if idea is None:
                raise InvalidArgument(f"idea {idea_id} does not exist in this consultation",
                                      field="idea_id")
            if idea["status"] != MERGED:
                await self._ideas.update_one({"_id": current},
                                             {"$set": {"last_filed_at": at}}, session=session)
                return current
            current = idea["merged_into"]
        raise FailedPrecondition(f"idea {idea_id} has no current idea", field="idea_id")

    async def _catch_up(self, document: Document, asked_at: datetime,
                        session: Session) -> Document:
        """The new extract with what events applied since threads answered: a newer
        revision's text (re-anchored, or orphaned) and a later hiding."""
        known = await self.post_texts.find_one({"_id": document["post_id"]}, session=session)
        if known is None:
            return document
        if known.get("revision", 0) > document["post_revision"] and "body" in known:
            document = {**document, **relocated(document, known["body"], known["revision"])}
        if known.get("status_at") is not None and known["status_at"] > asked_at:
            document = {**document, "post_status": known["status"]}
        return document

    async def _event(self, document: Document, event_type: EventType[Message], actor: str,
                     session: Session) -> None:
        await publish(self._outbox, event_type=event_type,
                      consultation_id=document["consultation_id"], actor=actor,
                      payload=synthesis_pb2.ExtractChanged(
                          extract_id=document["_id"], post_id=document["post_id"],
                          state=STATE_TO_PROTO[document["state"]]), session=session)


def relocated(document: Document, body: str, revision: int) -> Document:
    """The fields that change when the post's text becomes `body` at `revision`."""
    moved = anchoring.relocate(anchoring.Anchor.of(document["anchor"]), body)
    if moved is None:
        return {"state": ORPHANED, "post_revision": revision}
    return {"state": ANCHORED, "anchor": moved.document(), "post_revision": revision,
            "anchored_at": now()}
