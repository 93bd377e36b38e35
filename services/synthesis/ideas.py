"""Ideas: a tree per theme that idea catchers and synthesisers shape from extracts.

An idea is proposed, retained for deepening, set aside, or merged into another. Counts
(supporting extracts, distinct posts and authors, reactions on those posts) are never
stored: `counts` computes them for a page of ideas from the extracts and the reactions
read model in two queries, so they cannot drift from their source.

Merging moves the idea's extracts and children to the target and records exactly what
it moved on the merged idea, so an undo moves back those (still at the target) and
restores its status. A merged id keeps resolving: `resolve` follows `merged_into` to
the idea that is current. Merging into itself or into a descendant (a cycle) is refused.
Retaining may open the idea's two-column thread in threads, through its API.
"""

from __future__ import annotations

from typing import Any

from google.protobuf.message import Message
from pymongo import ASCENDING, ReturnDocument

from agora.v1 import synthesis_pb2, threads_pb2
from agora_kit import idempotency
from agora_kit.clock import now
from agora_kit.errors import FailedPrecondition, InvalidArgument, NotFound
from agora_kit.events.catalog import EVENTS, EventType
from agora_kit.events.outbox import Outbox
from agora_kit.ids import new_id
from agora_kit.mongo import Client, Database, Session
from agora_kit.transactions import commit
from agora_kit.types import Document
from services.synthesis import permissions
from services.synthesis.events import publish
from services.synthesis.posts import Posts
from services.synthesis.reactions import Reactions

IDEAS = "ideas"
PROPOSED, RETAINED, MERGED, SET_ASIDE = "proposed", "retained", "merged", "set_aside"
STATUS_TO_PROTO = {PROPOSED: synthesis_pb2.IDEA_STATUS_PROPOSED,
                   RETAINED: synthesis_pb2.IDEA_STATUS_RETAINED,
                   MERGED: synthesis_pb2.IDEA_STATUS_MERGED,
                   SET_ASIDE: synthesis_pb2.IDEA_STATUS_SET_ASIDE}
STATUS_FROM_PROTO = {v: k for k, v in STATUS_TO_PROTO.items()}
MAX_DEPTH = 64  # the tree's and a redirect chain's bound: a loop can never hang a read


class Ideas:
    def __init__(self, *, mongo: Client, db: Database, outbox: Outbox, posts: Posts,
                 reactions: Reactions) -> None:
        self._mongo = mongo
        self._outbox = outbox
        self._posts = posts
        self._reactions = reactions
        self.ideas = db[IDEAS]
        self._extracts = db["extracts"]

    async def ensure_indexes(self) -> None:
        await self.ideas.create_index([("consultation_id", ASCENDING), ("theme_id", ASCENDING),
                                       ("_id", ASCENDING)])
        await self.ideas.create_index("parent_id")
        # The extracts' (idea_id, _id) index (extracts.py) serves counts and merges.
        await idempotency.ensure_index(self.ideas)

    async def create(self, *, consultation_id: str, theme_id: str, title: str,
                     description: str, parent_id: str | None, actor: str, roles: list[str],
                     idempotency_key: str | None) -> Document:
        permissions.require(permissions.Action.SHAPE_IDEAS, roles)
        if not title.strip():
            raise InvalidArgument("title must not be blank", field="title")
        request = {"consultation_id": consultation_id, "theme_id": theme_id, "title": title,
                   "description": description, "parent_id": parent_id}
        if theme_id not in await self._posts.theme_ids(consultation_id):
            raise InvalidArgument(f"theme {theme_id} is not a theme of this consultation",
                                  field="theme_id")
        if parent_id is not None:
            parent = await self.get(consultation_id, parent_id, field="parent_id",
                                    in_body=True)
            if parent["status"] == MERGED or parent["theme_id"] != theme_id:
                raise InvalidArgument("the parent must be a current idea of the same theme",
                                      field="parent_id")

        async def create(extra: dict[str, Any]) -> Document:
            document: Document = {
                "_id": new_id(), **request, "title": title.strip(), "status": PROPOSED,
                "merged_into": None, "thread_id": None, "merge": None, "created_by": actor,
                "created_at": now(), **extra}

            async def work(session: Session) -> Document:
                await self.ideas.insert_one(document, session=session)
                await self._event(document, EVENTS.idea_created, actor, session)
                return document

            created = await commit(self._mongo, self._outbox, lambda session, _: work(session))
            return created

        return await idempotency.create_once(self.ideas, actor=actor, key=idempotency_key,
                                             request=request, create=create)

    async def get(self, consultation_id: str, idea_id: str, *, field: str = "idea_id",
                  in_body: bool = False, session: Session | None = None) -> Document:
        """The idea; NotFound for the one a path names, InvalidArgument (422 on `field`)
        for one a request's body refers to."""
        found = await self.ideas.find_one({"_id": idea_id, "consultation_id": consultation_id},
                                          session=session)
        if found is None:
            raise (InvalidArgument if in_body else NotFound)(
                f"idea {idea_id} does not exist in this consultation", field=field)
        return found

    async def resolve(self, consultation_id: str, idea_id: str, *,
                      field: str = "idea_id", in_body: bool = False) -> Document:
        """The idea, or for a merged one the current idea it was merged into."""
        idea = await self.get(consultation_id, idea_id, field=field, in_body=in_body)
        for _ in range(MAX_DEPTH):
            if idea["status"] != MERGED:
                return idea
            idea = await self.get(consultation_id, idea["merged_into"], field=field,
                                  in_body=in_body)
        raise FailedPrecondition(f"idea {idea_id} has no current idea", field=field)

    async def page(self, consultation_id: str, *, theme_id: str | None, after: str | None,
                   limit: int, include_merged: bool) -> list[Document]:
        """Up to `limit` ideas after `after`, oldest first. Merged ones are left out here,
        not in the query: a `status: {$ne: merged}` filter made SecantusDB scan every
        idea of the consultation (~150 ms for 2,000) instead of the theme's index range."""
        query: dict[str, Any] = {"consultation_id": consultation_id}
        if theme_id:
            query["theme_id"] = theme_id
        found: list[Document] = []
        while len(found) < limit:
            if after is not None:
                query["_id"] = {"$gt": after}
            batch: list[Document] = await self.ideas.find(query).sort("_id", ASCENDING) \
                .limit(limit).to_list()
            found += [i for i in batch if include_merged or i["status"] != MERGED]
            if len(batch) < limit:
                break
            after = batch[-1]["_id"]
        return found[:limit]

    async def counts(self, idea_ids: list[str]) -> dict[str, synthesis_pb2.IdeaCounts]:
        """Each idea's counts, computed now from its extracts and their posts' reactions."""
        posts: dict[str, set[str]] = {i: set() for i in idea_ids}
        authors: dict[str, set[str]] = {i: set() for i in idea_ids}
        extracts = dict.fromkeys(idea_ids, 0)
        async for e in self._extracts.find({"idea_id": {"$in": idea_ids}},
                                           {"idea_id": 1, "post_id": 1, "author_id": 1}):
            extracts[e["idea_id"]] += 1
            posts[e["idea_id"]].add(e["post_id"])
            authors[e["idea_id"]].add(e["author_id"])
        every_post = sorted({p for ps in posts.values() for p in ps})
        reactions = await self._reactions.per_post(every_post) if every_post else {}
        return {i: synthesis_pb2.IdeaCounts(
            extracts=extracts[i], posts=len(posts[i]), authors=len(authors[i]),
            reactions=sum(reactions.get(p, 0) for p in posts[i])) for i in idea_ids}

    async def set_status(self, *, consultation_id: str, idea_id: str, status: str,
                         open_deepening: bool, actor: str, roles: list[str]) -> Document:
        permissions.require(permissions.Action.SHAPE_IDEAS, roles)
        if status not in (PROPOSED, RETAINED, SET_ASIDE):
            raise InvalidArgument("status must be proposed, retained or set_aside (merging "
                                  "has its own request)", field="status")
        if open_deepening and status != RETAINED:
            raise InvalidArgument("a deepening opens only for a retained idea",
                                  field="open_deepening")
        idea = await self.get(consultation_id, idea_id)
        if idea["status"] == MERGED:
            raise FailedPrecondition(f"idea {idea_id} was merged; undo the merge first",
                                     field="idea_id")
        change: Document = {"status": status}
        if open_deepening and not idea.get("thread_id"):
            change["thread_id"] = await self._open_deepening(idea, actor, roles)

        async def work(session: Session) -> Document:
            updated = {**idea, **change}
            await self.ideas.update_one({"_id": idea_id}, {"$set": change}, session=session)
            await self._event(updated, EVENTS.idea_status_changed, actor, session)
            return updated

        updated = await commit(self._mongo, self._outbox, lambda session, _: work(session))
        return updated

    async def edit(self, *, consultation_id: str, idea_id: str, title: str, description: str,
                   actor: str, roles: list[str]) -> Document:
        """New title and description; the revision grows (translation follows it)."""
        permissions.require(permissions.Action.SHAPE_IDEAS, roles)
        idea = await self.get(consultation_id, idea_id)
        if idea["status"] == MERGED:
            raise FailedPrecondition(f"idea {idea_id} was merged; undo the merge first",
                                     field="idea_id")
        if not title.strip():
            raise InvalidArgument("title must not be blank", field="title")
        change: Document = {"title": title.strip(), "description": description}
        if (change["title"], description) == (idea["title"], idea.get("description") or ""):
            return idea  # nothing changes: no revision, no event

        async def work(session: Session) -> Document:
            updated = await self.ideas.find_one_and_update(
                {"_id": idea_id}, {"$set": change, "$inc": {"revision": 1}},
                return_document=ReturnDocument.AFTER, session=session)
            assert updated is not None
            await self._event(updated, EVENTS.idea_edited, actor, session)
            return updated

        edited: Document = await commit(self._mongo, self._outbox,
                                        lambda session, _: work(session))
        return edited

    async def merge(self, *, consultation_id: str, idea_id: str, into_id: str, actor: str,
                    roles: list[str]) -> Document:
        permissions.require(permissions.Action.SHAPE_IDEAS, roles)
        if idea_id == into_id:
            raise InvalidArgument("an idea cannot be merged into itself", field="into_id")

        async def work(session: Session) -> Document:
            source = await self.get(consultation_id, idea_id, session=session)
            target = await self.get(consultation_id, into_id, field="into_id", in_body=True,
                                    session=session)
            if MERGED in (source["status"], target["status"]):
                raise FailedPrecondition("only current ideas merge (one of these was merged "
                                         "already)", field="into_id")
            if idea_id in await self._ancestors(target, session):
                raise InvalidArgument("an idea cannot be merged into its own descendant (a "
                                      "cycle)", field="into_id")
            moved = [e["_id"] async for e in self._extracts.find(
                {"idea_id": idea_id}, {"_id": 1}, session=session)]
            children = [c["_id"] async for c in self.ideas.find(
                {"parent_id": idea_id}, {"_id": 1}, session=session)]
            await self._extracts.update_many({"_id": {"$in": moved}},
                                             {"$set": {"idea_id": into_id}}, session=session)
            await self.ideas.update_many({"_id": {"$in": children}},
                                         {"$set": {"parent_id": into_id}}, session=session)
            merge = {"into": into_id, "extracts": moved, "children": children,
                     "previous_status": source["status"], "at": now(), "by": actor}
            change = {"status": MERGED, "merged_into": into_id, "merge": merge}
            await self.ideas.update_one({"_id": idea_id}, {"$set": change}, session=session)
            await self._event({**source, **change}, EVENTS.idea_merged, actor, session)
            return target

        target = await commit(self._mongo, self._outbox, lambda session, _: work(session))
        return target

    async def undo_merge(self, *, consultation_id: str, idea_id: str, actor: str,
                         roles: list[str]) -> Document:
        permissions.require(permissions.Action.SHAPE_IDEAS, roles)

        async def work(session: Session) -> Document:
            source = await self.get(consultation_id, idea_id, session=session)
            merge = source.get("merge")
            if source["status"] != MERGED or not merge:
                raise FailedPrecondition(f"idea {idea_id} is not merged", field="idea_id")
            into = merge["into"]
            await self._extracts.update_many({"_id": {"$in": merge["extracts"]},
                                              "idea_id": into},
                                             {"$set": {"idea_id": idea_id}}, session=session)
            await self.ideas.update_many({"_id": {"$in": merge["children"]}, "parent_id": into},
                                         {"$set": {"parent_id": idea_id}}, session=session)
            change = {"status": merge["previous_status"], "merged_into": None, "merge": None}
            await self.ideas.update_one({"_id": idea_id}, {"$set": change}, session=session)
            restored = {**source, **change}
            await self._event(restored, EVENTS.idea_unmerged, actor, session)
            return restored

        restored = await commit(self._mongo, self._outbox, lambda session, _: work(session))
        return restored

    async def _ancestors(self, idea: Document, session: Session) -> set[str]:
        """The idea itself and every idea above it."""
        seen = {idea["_id"]}
        parent = idea.get("parent_id")
        for _ in range(MAX_DEPTH):
            if not parent or parent in seen:
                break
            seen.add(parent)
            above = await self.ideas.find_one({"_id": parent}, {"parent_id": 1},
                                              session=session)
            parent = above.get("parent_id") if above else None
        return seen

    async def _open_deepening(self, idea: Document, actor: str, roles: list[str]) -> str:
        """Open the idea's two-column thread in threads (which re-checks the roles and the
        phase); the key makes a retry return the same thread."""
        request = threads_pb2.CreateThreadRequest(
            consultation_id=idea["consultation_id"], theme_id=idea["theme_id"],
            title=idea["title"][:200], actor_id=actor, actor_roles=roles,
            kind=threads_pb2.THREAD_KIND_TWO_COLUMN, idea_id=idea["_id"],
            idempotency_key=f"deepening-of-idea-{idea['_id']}")
        thread = await self._posts.create_thread(request)
        return thread

    async def _event(self, idea: Document, event_type: EventType[Message], actor: str,
                     session: Session) -> None:
        await publish(self._outbox, event_type=event_type,
                      consultation_id=idea["consultation_id"], actor=actor,
                      payload=synthesis_pb2.IdeaChanged(
                          idea_id=idea["_id"], status=STATUS_TO_PROTO[idea["status"]],
                          merged_into=idea.get("merged_into") or "",
                          title=idea.get("title", ""),
                          description=idea.get("description") or "",
                          revision=int(idea.get("revision", 0))), session=session)
