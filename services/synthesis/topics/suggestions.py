"""Suggestions: a theme's topics offered to idea catchers as candidate ideas.

Nothing is published without a human: a suggestion is only a record here until an idea
catcher or synthesiser accepts it — which creates the idea through `Ideas.create` (the
one ideas code path, with its events) and cites each source post that can still be
harvested as an extract through `Extracts.file` — or dismisses it. Each run replaces
the open suggestions; a topic whose source posts are mostly those of a decided
suggestion is not offered again.

Accepting is several writes in two stores (an idea, its extracts, the decision), so it
is a claim, then idempotent steps: the suggestion is claimed (`accepting`, by its
actor) with a compare-and-set, the idea and each extract carry an idempotency key
derived from the suggestion, and the decision is recorded last. Every refusal (unknown,
already decided, bad title, unknown theme, no harvestable post) comes before the first
write, and a failure before the idea exists releases the claim; one after it leaves
the claim, and the same actor's retry completes the same idea. Another actor meanwhile
gets a 409.
"""

from __future__ import annotations

from typing import Any

from agora_kit.clock import now
from agora_kit.errors import DomainError, FailedPrecondition, NotFound
from agora_kit.ids import new_id
from agora_kit.mongo import Database, Session
from agora_kit.types import Collection, Document
from services.synthesis import permissions
from services.synthesis.corpus import CORPUS_COLLECTION, HIDDEN
from services.synthesis.extracts import Extracts
from services.synthesis.ideas import Ideas
from services.synthesis.posts import Posts

SUGGESTIONS = "suggestions"
OPEN, ACCEPTING, ACCEPTED, DISMISSED = "open", "accepting", "accepted", "dismissed"
DECIDED = (ACCEPTING, ACCEPTED, DISMISSED)
CITED = 10  # source posts an accepted suggestion cites
SAME_TOPIC = 0.5  # share of source posts that makes a new topic an old decision's
NATURE = "argument"
EXCERPT_MAX = 2_000


def title_of(key_phrases: list[str]) -> str:
    title = ", ".join(key_phrases[:3])
    return (title[:1].upper() + title[1:])[:200] or "Topic"


async def replace_open(collection: Collection, consultation_id: str, topics: list[Document],
                       *, session: Session) -> None:
    """Open suggestions for the per-theme topics of a new run (in its transaction)."""
    decided = [set(s["source_post_ids"]) async for s in collection.find(
        {"consultation_id": consultation_id, "status": {"$in": list(DECIDED)}},
        {"source_post_ids": 1}, session=session)]
    await collection.delete_many({"consultation_id": consultation_id, "status": OPEN},
                                 session=session)
    fresh = []
    for topic in topics:
        sources = topic["source_post_ids"]
        if not topic["theme_id"] or not sources:
            continue  # across-themes topics are an overview; ideas belong to a theme
        if any(len(old & set(sources)) >= SAME_TOPIC * len(sources) for old in decided):
            continue
        fresh.append({"_id": new_id(), "consultation_id": consultation_id,
                      "theme_id": topic["theme_id"], "topic_id": topic["_id"],
                      "title": title_of(topic["key_phrases"]),
                      "key_phrases": topic["key_phrases"], "source_post_ids": sources,
                      "status": OPEN, "idea_id": None, "decided_by": None,
                      "decided_at": None, "created_at": now()})
    if fresh:
        await collection.insert_many(fresh, session=session)


class Suggestions:
    def __init__(self, *, db: Database, ideas: Ideas, extracts: Extracts,
                 posts: Posts) -> None:
        self.suggestions = db[SUGGESTIONS]
        self._corpus = db[CORPUS_COLLECTION]
        self._ideas = ideas
        self._extracts = extracts
        self._posts = posts

    async def page(self, consultation_id: str, *, theme_id: str, status: str,
                   roles: list[str]) -> list[Document]:
        permissions.require(permissions.Action.SHAPE_IDEAS, roles)
        query: dict[str, Any] = {"consultation_id": consultation_id, "status": status or OPEN}
        if theme_id:
            query["theme_id"] = theme_id
        found: list[Document] = await self.suggestions.find(query).sort("_id", 1) \
            .limit(200).to_list()
        return found

    async def get(self, consultation_id: str, suggestion_id: str) -> Document:
        found = await self.suggestions.find_one({"_id": suggestion_id,
                                                 "consultation_id": consultation_id})
        if found is None:
            raise NotFound(f"suggestion {suggestion_id} does not exist in this consultation",
                           field="suggestion_id")
        return found

    async def dismiss(self, *, consultation_id: str, suggestion_id: str, actor: str,
                      roles: list[str]) -> Document:
        permissions.require(permissions.Action.SHAPE_IDEAS, roles)
        change = {"status": DISMISSED, "decided_by": actor, "decided_at": now()}
        done = await self.suggestions.update_one(
            {"_id": suggestion_id, "consultation_id": consultation_id, "status": OPEN},
            {"$set": change})
        current = await self.get(consultation_id, suggestion_id)
        if done.modified_count == 0:
            raise _decided(current)
        return current

    async def accept(self, *, consultation_id: str, suggestion_id: str, title: str,
                     description: str, actor: str, roles: list[str]) -> tuple[Document,
                                                                               Document]:
        """(the accepted suggestion, its idea)."""
        permissions.require(permissions.Action.SHAPE_IDEAS, roles)
        current = await self.get(consultation_id, suggestion_id)
        resuming = current["status"] == ACCEPTING and current["decided_by"] == actor
        if current["status"] != OPEN and not resuming:
            raise _decided(current)
        sources = await self._harvestable(current["source_post_ids"][:CITED])
        if not sources:
            raise FailedPrecondition("every source post of this suggestion was hidden or "
                                     "removed; dismiss it", field="suggestion_id")
        if not resuming:
            claimed = await self.suggestions.update_one(
                {"_id": suggestion_id, "status": OPEN},
                {"$set": {"status": ACCEPTING, "decided_by": actor, "decided_at": now()}})
            if claimed.modified_count == 0:
                raise _decided(await self.get(consultation_id, suggestion_id))
        key = f"suggestion-{suggestion_id}"
        try:
            idea = await self._ideas.create(
                consultation_id=consultation_id, theme_id=current["theme_id"],
                title=title.strip() or current["title"], description=description,
                parent_id=None, actor=actor, roles=roles, idempotency_key=key)
        except BaseException:
            if not resuming:
                await self.suggestions.update_one(
                    {"_id": suggestion_id, "status": ACCEPTING, "decided_by": actor},
                    {"$set": {"status": OPEN, "decided_by": None, "decided_at": None}})
            raise
        for post_id, length in sources:
            try:
                await self._extracts.file(
                    consultation_id=consultation_id, post_id=post_id, start=0, end=length,
                    nature=NATURE, idea_id=idea["_id"], actor=actor, roles=roles,
                    idempotency_key=f"{key}-{post_id}")
            except (FailedPrecondition, NotFound):
                continue  # hidden or gone since: the others are still cited
            except DomainError as error:
                if error.field not in ("start", "end"):
                    raise
                continue  # edited since the corpus saw it; the catcher can file it by hand
        decision = {"status": ACCEPTED, "idea_id": idea["_id"], "decided_at": now()}
        await self.suggestions.update_one({"_id": suggestion_id}, {"$set": decision})
        return {**current, **decision, "decided_by": actor}, idea

    async def _harvestable(self, post_ids: list[str]) -> list[tuple[str, int]]:
        """(post, length of its text) of the sources the corpus still shows, in order."""
        known = {c["_id"]: c async for c in self._corpus.find(
            {"_id": {"$in": post_ids}}, {"status": 1, "body": 1})}
        return [(p, min(len(known[p]["body"]), EXCERPT_MAX)) for p in post_ids
                if p in known and known[p].get("status") != HIDDEN and known[p].get("body")]


def _decided(suggestion: Document) -> FailedPrecondition:
    status = suggestion["status"]
    what = "being accepted" if status == ACCEPTING else status
    return FailedPrecondition(f"suggestion {suggestion['_id']} is {what} already",
                              field="suggestion_id")
