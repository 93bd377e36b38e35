"""Notifications that wait for a moment rather than follow an event at once: a vote
session closing within `notice` (24 h), and the moderation queue, told at most once per
`alert_every` (an hour) per consultation with how many items came in meanwhile.

What they need is learnt from events in the consumer's transaction (`apply`): a
session's `closes_at` from `vote_session.created`/`opened` (never by polling voting),
who voted from `ballot.submitted`, its end from `vote_session.closed`, and items entering
the queue from `post.submitted` (held for pre-moderation), `moderation.post_reported`
and `moderation.post_resubmitted`.

`tick` runs in one replica at a time (a lease), but correctness never rests on it: each
notice is written in one transaction with its marker (a session's `notified`, a queue's
`alerts` count), under a deterministic event id (`vote_closing_soon:<session>`,
`moderation_waiting:<consultation>:<n>`) that the unique (event, account) index holds
once per recipient, so a second replica or a rerun after a crash writes nothing more.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from functools import partial

from agora.v1 import events_pb2, voting_pb2
from agora_kit.clock import now
from agora_kit.events.catalog import EVENTS, unpack
from agora_kit.lease import Lease
from agora_kit.mongo import Client, Database, Session
from agora_kit.transactions import run
from agora_kit.types import Document
from services.notifications import kinds
from services.notifications.roles import Roles
from services.notifications.subject import Subject
from services.notifications.subscriptions import Subscriptions

VOTE_SESSIONS = "vote_sessions"  # session -> consultation, closes_at, status, notified
VOTERS = "voters"                # session and voter (from ballot.submitted)
QUEUES = "moderation_queues"     # consultation -> items not told yet, last alert
SESSION_EVENTS = (EVENTS.vote_session_created, EVENTS.vote_session_opened,
                  EVENTS.vote_session_closed, EVENTS.ballot_submitted)
QUEUE_EVENTS = (EVENTS.post_submitted, EVENTS.moderation_post_reported,
                EVENTS.moderation_post_resubmitted)
SUBJECTS = (*SESSION_EVENTS, *QUEUE_EVENTS)

Notify = Callable[[Session, events_pb2.EventEnvelope, Subject, str, set[str]], Awaitable[None]]


def _envelope(event_id: str, consultation_id: str, at: datetime) -> events_pb2.EventEnvelope:
    """What `notify` needs of an event, for a notice no event carries."""
    envelope = events_pb2.EventEnvelope(event_id=event_id, consultation_id=consultation_id)
    envelope.occurred_at.FromDatetime(at)
    return envelope


class Timed:
    def __init__(self, mongo: Client, db: Database, subscriptions: Subscriptions,
                 roles: Roles, notify: Notify, *, notice_seconds: float,
                 alert_seconds: float, lease: Lease) -> None:
        self._mongo = mongo
        self._sessions = db[VOTE_SESSIONS]
        self._voters = db[VOTERS]
        self._queues = db[QUEUES]
        self._subscriptions = subscriptions
        self._roles = roles
        self._notify = notify
        self._notice = timedelta(seconds=notice_seconds)
        self._alert_every = timedelta(seconds=alert_seconds)
        self.lease = lease
        self.types = {event.name for event in SUBJECTS}

    async def ensure_indexes(self) -> None:
        await self._sessions.create_index([("notified", 1), ("status", 1), ("closes_at", 1)])
        await self._voters.create_index([("session_id", 1)])
        await self._queues.create_index([("pending", 1)])

    async def apply(self, envelope: events_pb2.EventEnvelope, session: Session) -> None:
        if envelope.type in (EVENTS.post_submitted.name, EVENTS.moderation_post_reported.name,
                             EVENTS.moderation_post_resubmitted.name):
            await self._queues.update_one(
                {"_id": envelope.consultation_id},
                {"$inc": {"pending": 1}, "$setOnInsert": {"alerts": 0, "last_alert": None}},
                upsert=True, session=session)
        elif envelope.type == EVENTS.ballot_submitted.name:
            ballot = unpack(envelope, EVENTS.ballot_submitted)
            assert isinstance(ballot, voting_pb2.BallotSubmitted)
            await self._voters.update_one(
                {"_id": f"{ballot.session_id}:{ballot.voter_id}"},
                {"$setOnInsert": {"session_id": ballot.session_id,
                                  "account_id": ballot.voter_id}},
                upsert=True, session=session)
        elif envelope.type == EVENTS.vote_session_closed.name:
            closed = unpack(envelope, EVENTS.vote_session_closed)
            assert isinstance(closed, voting_pb2.VoteSessionClosed)
            await self._sessions.update_one({"_id": closed.session_id},
                                            {"$set": {"status": "closed"}}, session=session)
        else:
            changed = unpack(envelope, EVENTS.vote_session_created, EVENTS.vote_session_opened)
            assert isinstance(changed, voting_pb2.VoteSessionChanged)
            closes_at = (changed.closes_at.ToDatetime(tzinfo=UTC)
                         if changed.HasField("closes_at") else None)
            opened = envelope.type == EVENTS.vote_session_opened.name
            await self._sessions.update_one(
                {"_id": changed.session_id},
                {"$set": {"consultation_id": envelope.consultation_id,
                          "closes_at": closes_at, **({"status": "open"} if opened else {})},
                 "$setOnInsert": {"notified": False,
                                  **({} if opened else {"status": "draft"})}},
                upsert=True, session=session)

    async def tick(self) -> int:
        """Write the notices that are due; how many (sessions and queues) were told."""
        at = now()
        told = 0
        due = self._sessions.find({"notified": False, "status": "open",
                                   "closes_at": {"$gt": at, "$lte": at + self._notice}})
        for session_id in [vote["_id"] async for vote in due]:
            told += await run(self._mongo, partial(self._closing, session_id=session_id, at=at))
        waiting = self._queues.find({"pending": {"$gt": 0}, "$or": [
            {"last_alert": None}, {"last_alert": {"$lte": at - self._alert_every}}]})
        for queue in [doc async for doc in waiting]:
            told += await run(self._mongo, partial(self._waiting, queue=queue, at=at))
        return told

    async def _closing(self, session: Session, session_id: str, at: datetime) -> int:
        """Followers of the consultation who have not voted (as far as ballots tell)."""
        vote = await self._sessions.find_one_and_update(
            {"_id": session_id, "notified": False}, {"$set": {"notified": True}},
            session=session)
        if vote is None:  # told already (another replica, an earlier pass)
            return 0
        followers = await self._subscriptions.followers(
            session, [("consultation", vote["consultation_id"])])
        voted = {doc["account_id"] async for doc in self._voters.find(
            {"session_id": session_id}, {"account_id": 1}, session=session)}
        await self._notify(session, _envelope(f"vote_closing_soon:{session_id}",
                                              vote["consultation_id"], at),
                           Subject("", "", "", "", {"session_id": session_id}),
                           kinds.VOTE_CLOSING_SOON, followers - voted)
        return 1

    async def _waiting(self, session: Session, queue: Document,
                       at: datetime) -> int:
        """The consultation's moderators: how many items came in since the last alert."""
        consultation_id = str(queue["_id"])
        current = await self._queues.find_one_and_update(
            {"_id": consultation_id, "alerts": queue["alerts"], "pending": {"$gt": 0}},
            {"$set": {"pending": 0, "last_alert": at}, "$inc": {"alerts": 1}},
            session=session)
        if current is None:
            return 0
        moderators = await self._roles.holders(session, consultation_id, "moderator")
        await self._notify(session, _envelope(
            f"moderation_waiting:{consultation_id}:{current['alerts'] + 1}",
            consultation_id, at),
            Subject("", "", "", "", {"count": current["pending"], "queue": True}),
            kinds.MODERATION_WAITING, moderators)
        return 1
