"""From an event on the bus to notifications: who is concerned, and how each is told.

Runs inside the consumer's transaction (agora_kit/events/consumer.py), so the
notifications, the mails to send and the "processed" marker commit together: a
redelivered or replayed event finds its marker and produces nothing more, which makes a
notification once per (event, recipient) whatever the restarts. Mails are only queued
here (`mails`, keyed by event and recipient); the mail sender delivers them after commit.

What notifies: a reply (followers of the parent post: its author, implicitly), a new post
(followers of its thread, theme or consultation), one's post hidden (with the reason) or
restored, one's post reaching a reaction milestone (each milestone once per post,
whatever reactions are withdrawn and given again) and an announcement (followers of the
consultation, and for `participants` everyone who wrote in it too); the synthesis's and
the vote's events are in fanout_course.py, notices that wait for their moment (a vote
closing, the moderation queue) in timed.py, and who holds which role in roles.py.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC

from agora.v1 import debate_events_pb2, events_pb2, identity_pb2, notifications_pb2
from agora_kit.clock import now
from agora_kit.events.catalog import EVENTS, unpack
from agora_kit.events.consumer import ConsumerSpec
from agora_kit.events.envelope import new_envelope
from agora_kit.events.outbox import Outbox
from agora_kit.ids import new_id
from agora_kit.lease import Lease
from agora_kit.mongo import Client, Database, Session
from agora_kit.types import Document
from services.notifications import kinds, roles, timed
from services.notifications.directory import Directory
from services.notifications.erasure import Erasure
from services.notifications.fanout_course import SUBJECTS, CourseFanout
from services.notifications.metrics import INBOX_LAG, NOTIFICATIONS_PRODUCED
from services.notifications.preferences import Preferences
from services.notifications.roles import Roles
from services.notifications.subject import Subject
from services.notifications.subscriptions import Subscriptions
from services.notifications.timed import Timed
from services.notifications.windows import Windows

CONSUMER = ConsumerSpec(
    durable="notifications-fanout",
    filter_subjects=[EVENTS.post_created.filter_subject, EVENTS.user_erased.filter_subject,
                     EVENTS.moderation_post_hidden.filter_subject,
                     EVENTS.moderation_post_restored.filter_subject,
                     EVENTS.reaction_changed.filter_subject,
                     EVENTS.announcement_published.filter_subject,
                     # vote_session.opened is both the course's and timed's: once.
                     *sorted({event.filter_subject
                              for event in (*SUBJECTS, *timed.SUBJECTS, *roles.SUBJECTS)})],
    backoff=(1.0, 5.0, 15.0, 30.0),
)
POSTS = "posts"              # post id -> author, thread, theme (a read model of post.created)
NOTIFICATIONS = "notifications"
MAILS = "mails"
EXCERPT_CHARS = 280


@dataclass(frozen=True)
class Timing:
    """When timed notices are due (settings) and the lease their job runs under."""

    notice_seconds: float
    alert_seconds: float
    lease: Lease


class Fanout:
    def __init__(self, mongo: Client, db: Database, subscriptions: Subscriptions,
                 preferences: Preferences, erasure: Erasure, windows: Windows,
                 wake_mailer: asyncio.Event, directory: Directory, outbox: Outbox,
                 timing: Timing) -> None:
        self._posts = db[POSTS]
        self._notifications = db[NOTIFICATIONS]
        self._mails = db[MAILS]
        self._subscriptions = subscriptions
        self._preferences = preferences
        self._erasure = erasure
        self._windows = windows
        self._wake = wake_mailer
        self._outbox = outbox
        self.roles = Roles(db)
        self._course = CourseFanout(db, subscriptions, self._notify,
                                    directory.synthesis, POSTS, self.roles)
        self._course_types = {event.name for event in SUBJECTS}
        self.timed = Timed(mongo, db, subscriptions, self.roles, self._notify,
                           notice_seconds=timing.notice_seconds,
                           alert_seconds=timing.alert_seconds, lease=timing.lease)

    async def ensure_indexes(self) -> None:
        await self._posts.create_index("consultation_id")
        await self.roles.ensure_indexes()
        await self.timed.ensure_indexes()

    async def apply(self, envelope: events_pb2.EventEnvelope, session: Session) -> None:
        if envelope.type in self.timed.types:  # vote_session.opened notifies too, below
            await self.timed.apply(envelope, session)
        if envelope.type in (EVENTS.role_granted.name, EVENTS.role_revoked.name):
            await self.roles.apply(envelope, session)
        elif envelope.type == EVENTS.announcement_published.name:
            announced = unpack(envelope, EVENTS.announcement_published)
            await self._announcement(envelope, announced, session)
        elif envelope.type == EVENTS.user_erased.name:
            erased = unpack(envelope, EVENTS.user_erased)
            assert isinstance(erased, identity_pb2.UserErased)
            await self._erasure.erase(session, erased.account_id)
        elif envelope.type in self._course_types:
            await self._course.apply(envelope, session)
        elif envelope.type == EVENTS.reaction_changed.name:
            await self._reaction(envelope, unpack(envelope, EVENTS.reaction_changed), session)
        elif envelope.type in (EVENTS.moderation_post_hidden.name,
                               EVENTS.moderation_post_restored.name):
            moderated = unpack(envelope, EVENTS.moderation_post_hidden,
                               EVENTS.moderation_post_restored)
            await self._moderated(envelope, moderated, session)
        elif envelope.type == EVENTS.post_created.name:
            post = unpack(envelope, EVENTS.post_created)
            await self._post_created(envelope, post, session)

    async def _announcement(self, envelope: events_pb2.EventEnvelope,
                            announced: notifications_pb2.AnnouncementPublished,
                            session: Session) -> None:
        """Followers of the consultation and, for `participants`, whoever wrote in it
        (the `posts` read model); never the author. Texts stay in all their languages:
        each reader sees theirs (render.py)."""
        consultation_id = envelope.consultation_id
        recipients = await self._subscriptions.followers(
            session, [("consultation", consultation_id)])
        if announced.audience == "participants":
            recipients |= set(await self._posts.distinct(
                "author_id", {"consultation_id": consultation_id}, session=session))
        texts = {lang: {"title": t.title, "body": t.body}
                 for lang, t in sorted(announced.texts.items())}
        first = next(iter(texts.values()), {"body": ""})["body"]
        await self._notify(session, envelope,
                           Subject("", "", "", first[:EXCERPT_CHARS], {"texts": texts}),
                           kinds.ANNOUNCEMENT, recipients - {envelope.actor})

    async def _post_created(self, envelope: events_pb2.EventEnvelope,
                            post: events_pb2.PostCreated, session: Session) -> None:
        consultation_id = envelope.consultation_id
        author = post.author_id
        await self._posts.update_one(
            {"_id": post.post_id},
            {"$setOnInsert": {"author_id": author, "thread_id": post.thread_id,
                              "theme_id": post.theme_id, "consultation_id": consultation_id,
                              "reactions": 0, "milestones": []}},
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
        subject = Subject(post.theme_id, post.thread_id, post.post_id, post.body[:EXCERPT_CHARS])
        for kind, recipients in ((kinds.REPLY, repliers), (kinds.NEW_POST, others)):
            await self._notify(session, envelope, subject, kind, recipients)

    async def _moderated(self, envelope: events_pb2.EventEnvelope,
                         moderated: debate_events_pb2.PostModerated, session: Session) -> None:
        """The author is told, hidden with the reason (restored: that it is back)."""
        known = await self._posts.find_one({"_id": moderated.post_id}, session=session) or {}
        hidden = envelope.type == EVENTS.moderation_post_hidden.name
        subject = Subject(known.get("theme_id", ""), moderated.thread_id, moderated.post_id,
                          moderated.reason[:EXCERPT_CHARS],
                          {"reason": moderated.reason} if hidden else {})
        await self._notify(session, envelope, subject,
                           kinds.POST_HIDDEN if hidden else kinds.POST_RESTORED,
                           {moderated.author_id} - {envelope.actor})

    async def _reaction(self, envelope: events_pb2.EventEnvelope,
                        reaction: debate_events_pb2.ReactionChanged, session: Session) -> None:
        """Count reactions per post (one per participant: set, changed or unset); the author
        hears of each milestone the first time it is reached."""
        change = (reaction.current != 0) - (reaction.previous != 0)
        if change == 0:
            return
        post = await self._posts.find_one_and_update(
            {"_id": reaction.post_id}, {"$inc": {"reactions": change}}, session=session,
            return_document=True)
        if post is None or change < 0:
            return
        count = post["reactions"]
        if count not in kinds.MILESTONES or count in post.get("milestones", []):
            return
        await self._posts.update_one({"_id": reaction.post_id},
                                     {"$addToSet": {"milestones": count}}, session=session)
        subject = Subject(post["theme_id"], post["thread_id"], reaction.post_id, "",
                          {"count": count})
        await self._notify(session, envelope, subject, kinds.REACTION_MILESTONE,
                           {post["author_id"]})

    async def _notify(self, session: Session, envelope: events_pb2.EventEnvelope,
                      subject: Subject, kind: str, recipients: set[str]) -> None:
        recipients = {r for r in recipients if r}
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
                "consultation_id": envelope.consultation_id, "theme_id": subject.theme_id,
                "thread_id": subject.thread_id, "post_id": subject.post_id,
                "excerpt": subject.excerpt, "params": subject.params,
                "in_app": delivery.in_app, "read": False, "created_at": created_at,
                "digest": digest,
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
            await self._announce(session, envelope, kind, notifications)
            INBOX_LAG.observe(max(0.0, (now() - created_at).total_seconds()))
        if mails:
            await self._mails.insert_many(mails, session=session)
            self._wake.set()

    async def _announce(self, session: Session, envelope: events_pb2.EventEnvelope,
                        kind: str, notifications: list[Document]) -> None:
        """One event for the in-app ones (in this transaction, through the outbox): the
        live stream pushes each to its recipient."""
        shown = {n["account_id"]: n["_id"] for n in notifications if n["in_app"]}
        if shown:
            await self._outbox.add(new_envelope(
                event_type=EVENTS.notifications_created,
                consultation_id=envelope.consultation_id, actor="",
                payload=notifications_pb2.NotificationsCreated(kind=kind,
                                                               notifications=shown)),
                session=session)
