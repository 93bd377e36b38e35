"""Reactions on posts, as the synthesis service knows them: one document per (post, user).

Fed by `reaction.changed` (one user's reaction went from `previous` to `current`): the
document holds the current value (no kind once removed), so a reaction is one value,
never counted twice; a redelivered or older event changes nothing (each
document remembers when its value was set). Idea counts (idea_counts.py) count these
documents for the posts an idea's extracts come from, at read time. Each also names its
user and consultation, so the deliverable counts who reacted in one indexed read.
"""

from __future__ import annotations

from datetime import UTC

from agora.v1 import debate_events_pb2, events_pb2, threads_pb2
from agora_kit.events.catalog import EVENTS
from agora_kit.events.consumer import ConsumerSpec
from agora_kit.events.envelope import MalformedEvent
from agora_kit.mongo import Database, Session

REACTIONS = "post_reactions"
CONSUMER = ConsumerSpec(durable="synthesis-reactions",
                        filter_subjects=[EVENTS.reaction_changed.filter_subject])


class Reactions:
    def __init__(self, db: Database) -> None:
        self.collection = db[REACTIONS]

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

    async def per_post(self, post_ids: list[str]) -> dict[str, int]:
        """Current reactions per post (a removed reaction is kept with no kind)."""
        counts: dict[str, int] = {}
        async for doc in self.collection.find({"post_id": {"$in": post_ids}, "kind": {"$ne": ""}},
                                              {"post_id": 1}):
            counts[doc["post_id"]] = counts.get(doc["post_id"], 0) + 1
        return counts
