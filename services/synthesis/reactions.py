"""Reactions on posts, as the synthesis service knows them: one document per (post, user).

Fed by `reaction.changed` (one user's reaction went from `previous` to `current`): the
document holds the current value (no kind once removed), so a reaction is one value,
never counted twice; a redelivered or older event changes nothing (each
document remembers when its value was set). Idea counts (ideas.py `counts`) count these
documents for the posts an idea's extracts come from, at read time; a reaction on a post
that extracts quote writes `extract.source_changed` in the same transaction, so caches of
those counts (the gateway's) are renewed after the change, never before it. Each
document also names its user and consultation, so the deliverable counts who reacted in
one indexed read.

Beside them, `post_reaction_counts` holds each post's agree / disagree / other totals
for the order of exposure (exposure/), which ranks every post of a thread per request
and cannot count documents per post each time. They change in the same transaction as
the document, by the difference between its old and new value, so they equal the
documents' counts after any redelivery or reordering.
"""

from __future__ import annotations

from datetime import UTC

from agora.v1 import debate_events_pb2, events_pb2, synthesis_pb2, threads_pb2
from agora_kit.events.catalog import EVENTS
from agora_kit.events.consumer import ConsumerSpec
from agora_kit.events.envelope import MalformedEvent
from agora_kit.events.outbox import Outbox
from agora_kit.mongo import Database, Session
from services.synthesis.events import publish

REACTIONS = "post_reactions"
COUNTS = "post_reaction_counts"
AGREE, DISAGREE, OTHER = "agree", "disagree", "other"
BUCKETS = {threads_pb2.ReactionKind.Name(threads_pb2.REACTION_KIND_LIKE): AGREE,
           threads_pb2.ReactionKind.Name(threads_pb2.REACTION_KIND_DISAGREE): DISAGREE}
CONSUMER = ConsumerSpec(durable="synthesis-reactions",
                        filter_subjects=[EVENTS.reaction_changed.filter_subject])


class Reactions:
    def __init__(self, db: Database, outbox: Outbox) -> None:
        self.collection = db[REACTIONS]
        self.counts = db[COUNTS]
        self._extracts = db["extracts"]
        self._outbox = outbox

    async def ensure_indexes(self) -> None:
        await self.collection.create_index("post_id")
        await self.collection.create_index("consultation_id")  # the deliverable's reactors

    async def apply(self, envelope: events_pb2.EventEnvelope, session: Session) -> None:
        changed = debate_events_pb2.ReactionChanged()
        if not envelope.payload.Unpack(changed) or not changed.post_id:
            raise MalformedEvent(f"{envelope.type} does not carry a ReactionChanged")
        key = f"{changed.post_id}:{changed.user_id}"
        at = envelope.occurred_at.ToDatetime(tzinfo=UTC)
        known = await self.collection.find_one({"_id": key}, session=session)
        if known is not None and known["at"] > at:
            return
        kind = "" if changed.current == threads_pb2.REACTION_KIND_UNSPECIFIED \
            else threads_pb2.ReactionKind.Name(changed.current)
        await self.collection.update_one(
            {"_id": key}, {"$set": {"post_id": changed.post_id, "kind": kind, "at": at,
                                    "user_id": changed.user_id,
                                    "consultation_id": envelope.consultation_id}},
            upsert=True, session=session)
        change: dict[str, int] = {}
        before = known["kind"] if known is not None else ""
        if before:
            change[_bucket(before)] = change.get(_bucket(before), 0) - 1
        if kind:
            change[_bucket(kind)] = change.get(_bucket(kind), 0) + 1
        if any(change.values()):  # more_info -> dont_understand changes no total
            await self.counts.update_one({"_id": changed.post_id}, {"$inc": change},
                                         upsert=True, session=session)
        quoted = await self._extracts.find_one({"post_id": changed.post_id},
                                               {"consultation_id": 1}, session=session)
        if quoted is not None:
            await source_changed(self._outbox, quoted["consultation_id"], changed.post_id,
                                 session)

    async def totals(self, post_ids: list[str]) -> dict[str, dict[str, int]]:
        """Agree / disagree / other totals of these posts (absent: none yet)."""
        return {doc["_id"]: {b: int(doc.get(b, 0)) for b in (AGREE, DISAGREE, OTHER)}
                async for doc in self.counts.find({"_id": {"$in": post_ids}})}

    async def reacted(self, user_id: str, post_ids: list[str]) -> set[str]:
        """Which of these posts `user_id` currently has a reaction on."""
        keys = [f"{post}:{user_id}" for post in post_ids]
        return {doc["post_id"] async for doc in self.collection.find(
            {"_id": {"$in": keys}, "kind": {"$ne": ""}}, {"post_id": 1})}

    async def per_post(self, post_ids: list[str]) -> dict[str, int]:
        """Current reactions per post (a removed reaction is kept with no kind)."""
        counts: dict[str, int] = {}
        async for doc in self.collection.find({"post_id": {"$in": post_ids}, "kind": {"$ne": ""}},
                                              {"post_id": 1}):
            counts[doc["post_id"]] = counts.get(doc["post_id"], 0) + 1
        return counts


def _bucket(kind: str) -> str:
    return BUCKETS.get(kind, OTHER)


async def source_changed(outbox: Outbox, consultation_id: str, post_id: str,
                         session: Session) -> None:
    """`extract.source_changed`: the post (none: an author's posts) that extracts of the
    consultation quote changed under them."""
    await publish(outbox, event_type=EVENTS.extract_source_changed,
                  consultation_id=consultation_id, actor="system",
                  payload=synthesis_pb2.ExtractChanged(post_id=post_id), session=session)
