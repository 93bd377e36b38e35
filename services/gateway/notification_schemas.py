"""Public JSON shapes of follows, notification preferences and the inbox."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from agora.v1 import notifications_pb2
from services.gateway.schemas import NONBLANK, Input, Language, ResourceId, Title

TargetKind = Literal["consultation", "theme", "thread", "post", "idea", "synthesis"]
KindName = Literal["reply", "new_post", "post_hidden", "post_restored", "reaction_milestone",
                   "extract_harvested", "synthesis_published", "contest_answered",
                   "vote_opened", "phase_started", "deliverable_published",
                   "vote_closing_soon", "announcement", "moderation_waiting",
                   "contest_opened"]
Cadence = Literal["immediate", "daily", "weekly", "none"]
UnsubscribeToken = Annotated[str, StringConstraints(min_length=1, max_length=512)]


class SubscriptionPublic(BaseModel):
    consultation_id: str
    target_kind: TargetKind
    target_id: str
    active: bool
    implicit: bool = Field(description="Made by writing (one's own posts, threads one wrote "
                           "in), not by asking; unfollowing turns it off for good.")

    @classmethod
    def of(cls, s: notifications_pb2.Subscription) -> SubscriptionPublic:
        return cls(consultation_id=s.consultation_id, target_kind=s.target_kind,  # type: ignore[arg-type]
                   target_id=s.target_id, active=s.active, implicit=s.implicit)


class SubscriptionsPublic(BaseModel):
    items: list[SubscriptionPublic]


class KindPreference(Input):
    in_app: bool
    email: bool
    cadence: Cadence


class PreferencesPublic(BaseModel):
    language: str | None = Field(description="The language inbox texts and mails are "
                                 "written in; none chosen: the consultation's first.")
    kinds: dict[KindName, KindPreference]

    @classmethod
    def of(cls, p: notifications_pb2.Preferences) -> PreferencesPublic:
        kinds: dict[Any, KindPreference] = {
            k.kind: KindPreference.model_validate(
                {"in_app": k.in_app, "email": k.email, "cadence": k.cadence})
            for k in p.kinds}
        return cls(language=p.language or None, kinds=kinds)


class PreferencesUpdate(Input):
    language: Language | None = None
    kinds: dict[KindName, KindPreference] = Field(default_factory=dict)


class NotificationPublic(BaseModel):
    id: str
    kind: KindName
    consultation_id: str
    theme_id: str
    thread_id: str
    post_id: str
    excerpt: str
    summary: str = Field(description="One line in the reader's language.")
    language: str
    read: bool
    created_at: datetime

    @classmethod
    def of(cls, n: notifications_pb2.Notification) -> NotificationPublic:
        return cls(id=n.id, kind=n.kind, consultation_id=n.consultation_id,  # type: ignore[arg-type]
                   theme_id=n.theme_id, thread_id=n.thread_id, post_id=n.post_id,
                   excerpt=n.excerpt, summary=n.summary, language=n.language, read=n.read,
                   created_at=n.created_at.ToDatetime(tzinfo=UTC))


class NotificationsPage(BaseModel):
    items: list[NotificationPublic]
    next_cursor: str | None


class UnreadCount(BaseModel):
    unread: int


class MarkRead(Input):
    ids: list[ResourceId] = Field(default_factory=list, max_length=100)
    all: bool = False


class Marked(BaseModel):
    marked: int


class Unsubscribed(BaseModel):
    consultation_id: str | None
    kind: str = Field(description="The notification kind, or `digest:<cadence>`.")
    channel: Literal["email"]
    applied: bool = Field(description="false: what the link would turn off (GET); "
                          "true: turned off (POST, RFC 8058 one-click).")


AnnouncementBody = Annotated[str, StringConstraints(min_length=1, max_length=4000,
                                                    pattern=NONBLANK)]
Audience = Literal["participants", "followers"]


class AnnouncementText(Input):
    title: Title
    body: AnnouncementBody


class AnnouncementCreate(Input):
    texts: Annotated[dict[Language, AnnouncementText], Field(
        min_length=1, max_length=20,
        description="The announcement in each language written (the consultation's "
        "languages only); each reader gets theirs, else the first.")]
    audience: Audience = Field(
        default="participants", description="participants: the consultation's followers "
        "and everyone who wrote in it; followers: its followers only.")


class AnnouncementTextPublic(BaseModel):
    title: str
    body: str


class AnnouncementPublic(BaseModel):
    id: str
    consultation_id: str
    author_id: str
    texts: dict[str, AnnouncementTextPublic]
    audience: Audience
    created_at: datetime

    @classmethod
    def of(cls, a: notifications_pb2.Announcement) -> AnnouncementPublic:
        return cls(id=a.id, consultation_id=a.consultation_id, author_id=a.author_id,
                   texts={lang: AnnouncementTextPublic(title=t.title, body=t.body)
                          for lang, t in a.texts.items()},
                   audience=a.audience,  # type: ignore[arg-type]
                   created_at=a.created_at.ToDatetime(tzinfo=UTC))
