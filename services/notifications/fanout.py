"""From an event on the bus to notifications: who is concerned, and how each is told.

Runs inside the consumer's transaction (agora_kit/events/consumer.py), so the
notifications, the mails to send and the "processed" marker commit together: a
redelivered or replayed event finds its marker and produces nothing more, which makes a
notification once per (event, recipient) whatever the restarts. Mails are only queued
here (`mails`, keyed by event and recipient); the mail sender delivers them after commit.
"""

from __future__ import annotations

import asyncio
from datetime import UTC

from agora.v1 import events_pb2, identity_pb2
from agora_kit.events.catalog import EVENTS, unpack
from agora_kit.events.consumer import ConsumerSpec
from agora_kit.ids import new_id
from agora_kit.mongo import Database, Session
from agora_kit.types import Document
from services.notifications import kinds
from services.notifications.erasure import Erasure
from services.notifications.metrics import NOTIFICATIONS_PRODUCED
from services.notifications.preferences import Preferences
from services.notifications.subscriptions import Subscriptions
from services.notifications.windows import Windows

CONSUMER = ConsumerSpec(
    durable="notifications-fanout",
    filter_subjects=[EVENTS.post_created.filter_subject, EVENTS.user_erased.filter_subject],
    backoff=(1.0, 5.0, 15.0, 30.0),
)
POSTS = "posts"              # post id -> author, thread, theme (a read model of post.created)
NOTIFICATIONS = "notifications"
MAILS = "mails"
EXCERPT_CHARS = 280


class Fanout:
    def __init__(self, db: Database, subscriptions: Subscriptions, preferences: Preferences,
                 erasure: Erasure, windows: Windows, wake_mailer: asyncio.Event) -> None:
        self._posts = db[POSTS]
        self._notifications = db[NOTIFICATIONS]
        self._mails = db[MAILS]
        self._subscriptions = subscriptions
        self._preferences = preferences
        self._erasure = erasure
        self._windows = windows
        self._wake = wake_mailer

    async def apply(self, envelope: events_pb2.EventEnvelope, session: Session) -> None:
        if envelope.type == EVENTS.user_erased.name:
            erased = unpack(envelope, EVENTS.user_erased)
            assert isinstance(erased, identity_pb2.UserErased)
            await self._erasure.erase(session, erased.account_id)
            return
        post = unpack(envelope, EVENTS.post_created)
        await self._post_created(envelope, post, session)

    async def _post_created(self, envelope: events_pb2.EventEnvelope,
                            post: events_pb2.PostCreated, session: Session) -> None:
        consultation_id = envelope.consultation_id
        author = post.author_id
        await self._posts.update_one(
            {"_id": post.post_id},
            {"$setOnInsert": {"author_id": author, "thread_id": post.thread_id,
                              "theme_id": post.theme_id, "consultation_id": consultation_id}},
            upsert=True, session=session)
        if not await self._erasure.is_erased(session, [author]):
            for target_kind, target_id in (("post", post.post_id), ("thread", post.thread_id)):
                await self._subscriptions.implicit(
                    session, account_id=author, consultation_id=consultation_id,
                    target_kind=target_kind, target_id=target_id)
        repliers: set[str] = set()
        if post.parent_id:
            repliers = await self._subscriptions.followers(session, [("post", post.parent_id)])
            repliers.discard(author)
        others = await self._subscriptions.followers(
            session, [("thread", post.thread_id), ("theme", post.theme_id),
                      ("consultation", consultation_id)])
        others -= repliers | {author}
        for kind, recipients in ((kinds.REPLY, repliers), (kinds.NEW_POST, others)):
            await self._notify(session, envelope, post, kind, recipients)

    async def _notify(self, session: Session, envelope: events_pb2.EventEnvelope,
                      post: events_pb2.PostCreated, kind: str, recipients: set[str]) -> None:
        if not recipients:
            return
        recipients -= await self._erasure.is_erased(session, list(recipients))
        settings = await self._preferences.many(session, sorted(recipients),
                                                envelope.consultation_id)
        created_at = envelope.occurred_at.ToDatetime(tzinfo=UTC)
        notifications: list[Document] = []
        mails: list[Document] = []
        for account_id in sorted(recipients):
            delivery = settings[account_id].kinds[kind]
            if delivery.cadence == "none" or not (delivery.in_app or delivery.email):
                continue
            digest = delivery.cadence if delivery.email and delivery.cadence in kinds.DIGESTS \
                else None
            notification_id = new_id()
            notifications.append({
                "_id": notification_id, "event_id": envelope.event_id,
                "account_id": account_id, "kind": kind,
                "consultation_id": envelope.consultation_id, "theme_id": post.theme_id,
                "thread_id": post.thread_id, "post_id": post.post_id,
                "excerpt": post.body[:EXCERPT_CHARS], "in_app": delivery.in_app,
                "read": False, "created_at": created_at, "digest": digest,
                "digest_window": self._windows.of(digest, created_at) if digest else None,
                "digested": False,
            })
            if delivery.email and delivery.cadence == "immediate":
                mails.append({"_id": f"{envelope.event_id}:{account_id}",
                              "account_id": account_id, "kind": kind,
                              "consultation_id": envelope.consultation_id,
                              "notification_ids": [notification_id], "status": "pending",
                              "attempts": 0, "created_at": created_at})
        if notifications:
            await self._notifications.insert_many(notifications, session=session)
            NOTIFICATIONS_PRODUCED.labels(kind).inc(len(notifications))
        if mails:
            await self._mails.insert_many(mails, session=session)
            self._wake.set()
