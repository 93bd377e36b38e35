"""The reaction totals the order of exposure ranks by (services/synthesis/reactions.py):
they equal the per-user documents' counts after redeliveries, out-of-order events and
changes between kinds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pymongo import AsyncMongoClient

from agora.v1 import debate_events_pb2, events_pb2, threads_pb2
from agora_kit.events.envelope import new_envelope
from agora_kit.events.outbox import Outbox
from services.synthesis.reactions import Reactions

LIKE, DISAGREE = threads_pb2.REACTION_KIND_LIKE, threads_pb2.REACTION_KIND_DISAGREE
MORE, NONE = threads_pb2.REACTION_KIND_MORE_INFO, threads_pb2.REACTION_KIND_UNSPECIFIED
PUZZLED = threads_pb2.REACTION_KIND_DONT_UNDERSTAND
START = datetime(2026, 12, 1, tzinfo=UTC)


def changed(user: str, current: threads_pb2.ReactionKind.ValueType,
            minute: int) -> events_pb2.EventEnvelope:
    envelope = new_envelope(event_type="reaction.changed", consultation_id="c1", actor=user,
                            payload=debate_events_pb2.ReactionChanged(
                                post_id="p1", thread_id="t1", user_id=user, current=current))
    envelope.occurred_at.FromDatetime(START + timedelta(minutes=minute))
    return envelope


async def test_totals_follow_the_latest_reaction_of_each_user(
    mongo: AsyncMongoClient[dict[str, object]],
) -> None:
    db = mongo["test_reaction_totals"]
    reactions = Reactions(db, Outbox(db))
    await reactions.collection.delete_many({})
    await reactions.counts.delete_many({})
    ana_likes, ana_disagrees = changed("ana", LIKE, 1), changed("ana", DISAGREE, 5)
    events = [ana_likes, changed("bob", LIKE, 2), ana_disagrees,
              ana_likes,  # redelivered, and older than what ana has now: nothing changes
              changed("cleo", MORE, 3), changed("cleo", PUZZLED, 4),
              changed("dan", LIKE, 6), changed("dan", NONE, 7),  # withdrawn
              ana_disagrees]  # redelivered
    for envelope in events:
        async with mongo.start_session() as session:
            await reactions.apply(envelope, session)
    assert await reactions.totals(["p1", "p2"]) == {
        "p1": {"agree": 1, "disagree": 1, "other": 1}}
    assert await reactions.reacted("ana", ["p1", "p2"]) == {"p1"}
    assert await reactions.reacted("dan", ["p1"]) == set()
