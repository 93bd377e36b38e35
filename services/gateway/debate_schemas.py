"""Public JSON shapes of the debate's actions: phase changes, edits, reactions, moderation."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from agora.v1 import threads_pb2
from services.gateway.problems import pattern
from services.gateway.schemas import (
    PLAIN,
    FactCheckStatusName,
    Input,
    Instant,
    PhaseName,
    PostBody,
    PostFormatName,
    PostPublic,
    ResourceId,
    Title,
    _when,
)

ReactionName = Literal["like", "disagree", "dont_understand", "more_info"]
REACTION_TO_PROTO: dict[ReactionName, threads_pb2.ReactionKind.ValueType] = {
    "like": threads_pb2.REACTION_KIND_LIKE,
    "disagree": threads_pb2.REACTION_KIND_DISAGREE,
    "dont_understand": threads_pb2.REACTION_KIND_DONT_UNDERSTAND,
    "more_info": threads_pb2.REACTION_KIND_MORE_INFO,
}
ReasonName = Literal["spam", "abuse", "off_topic", "personal_data", "misinformation", "other"]
ActionName = Literal["hide", "restore", "approve", "dismiss"]
ACTION_TO_PROTO: dict[ActionName, threads_pb2.ModerationAction.ValueType] = {
    "hide": threads_pb2.MODERATION_ACTION_HIDE,
    "restore": threads_pb2.MODERATION_ACTION_RESTORE,
    "approve": threads_pb2.MODERATION_ACTION_APPROVE,
    "dismiss": threads_pb2.MODERATION_ACTION_DISMISS,
}
# What the log shows: the moderators' acts, and the authors' revisions of unpublished posts.
LoggedActionName = Literal["hide", "restore", "approve", "dismiss", "resubmit"]
ACTION_FROM_PROTO: dict[threads_pb2.ModerationAction.ValueType, LoggedActionName] = {
    **{v: k for k, v in ACTION_TO_PROTO.items()},
    threads_pb2.MODERATION_ACTION_RESUBMIT: "resubmit"}
Note = Annotated[str, StringConstraints(max_length=1000, pattern=PLAIN)]


class PhaseChangeCreate(Input):
    change: Literal["advance", "extend", "reopen"]
    phase: PhaseName | None = Field(default=None, description="For extend and reopen.")
    ends_at: Instant | None = Field(default=None, description="For extend and reopen.")


class PostUpdate(Input):
    body: PostBody
    format: PostFormatName = "plain"


class PostRevisionPublic(BaseModel):
    revision: int
    body: str
    body_html: str
    written_at: datetime


class PostRevisions(BaseModel):
    items: list[PostRevisionPublic]


class PinUpdate(Input):
    pinned: bool


class ReactionUpdate(Input):
    kind: ReactionName


class ReactionStatePublic(BaseModel):
    post_id: str
    my_reaction: ReactionName | None
    counts: dict[str, int]

    @classmethod
    def of(cls, message: threads_pb2.ReactionState) -> ReactionStatePublic:
        return cls(post_id=message.post_id, my_reaction=message.my_reaction or None,  # type: ignore[arg-type]
                   counts=dict(message.counts))


class ReportCreate(Input):
    reason: ReasonName
    note: Note = ""


class ReportPublic(BaseModel):
    id: str
    post_id: str
    reason: ReasonName
    note: str
    created_at: datetime

    @classmethod
    def of(cls, message: threads_pb2.Report) -> ReportPublic:
        reason = threads_pb2.ReportReason.Name(message.reason).removeprefix("REPORT_REASON_")
        return cls(id=message.id, post_id=message.post_id, reason=reason.lower(),  # type: ignore[arg-type]
                   note=message.note, created_at=_when(message.created_at))


class ModerationCreate(Input):
    action: ActionName
    reason: Annotated[str, StringConstraints(max_length=500, pattern=PLAIN)] = Field(
        default="", description="Required to hide; shown to the post's author.")


class ModerationLogEntryPublic(BaseModel):
    id: str
    post_id: str
    action: LoggedActionName
    reason: str
    moderator_id: str = Field(description="Who acted: a moderator, or for `resubmit` the "
                              "post's author.")
    at: datetime

    @classmethod
    def of(cls, message: threads_pb2.ModerationLogEntry) -> ModerationLogEntryPublic:
        return cls(id=message.id, post_id=message.post_id,
                   action=ACTION_FROM_PROTO[message.action], reason=message.reason,
                   moderator_id=message.moderator_id, at=_when(message.at))


class QueueItemPublic(BaseModel):
    post: PostPublic
    reports: list[ReportPublic]
    history: list[ModerationLogEntryPublic] = Field(
        description="Every moderation act on the post so far, oldest first (a resubmitted "
        "post: when and why it was hidden, then the author's resubmission; a held post its "
        "author revised: `resubmit`).")


class ModerationQueue(BaseModel):
    items: list[QueueItemPublic]
    next_cursor: str | None


class ModerationLog(BaseModel):
    items: list[ModerationLogEntryPublic]
    next_cursor: str | None


Url = Annotated[str, StringConstraints(min_length=1, max_length=2000, pattern=pattern(
    r"^[Hh][Tt][Tt][Pp][Ss]?://[^/?#\[\]\s]+([/?#][^\n\r]*)?$", "not an http(s) URL"))]


class ResourceCreate(Input):
    theme_id: ResourceId
    title: Title
    body: Annotated[str, StringConstraints(min_length=1, max_length=20_000,
                                           pattern=PLAIN)] = Field(
        description="Markdown; rendered and sanitised as body_html.")
    links: Annotated[list[Url], Field(max_length=20, default_factory=list)]


class ResourcePublic(BaseModel):
    id: str
    consultation_id: str
    theme_id: str
    title: str
    body: str
    body_html: str
    links: list[str]
    created_at: datetime

    @classmethod
    def of(cls, message: threads_pb2.Resource) -> ResourcePublic:
        return cls(id=message.id, consultation_id=message.consultation_id,
                   theme_id=message.theme_id, title=message.title, body=message.body,
                   body_html=message.body_html, links=list(message.links),
                   created_at=_when(message.created_at))


class ResourcesPage(BaseModel):
    items: list[ResourcePublic]
    next_cursor: str | None


class FactCheckUpdate(Input):
    status: FactCheckStatusName
    note: Annotated[str, StringConstraints(max_length=2000, pattern=PLAIN)] = ""
    sources: Annotated[list[Url], Field(max_length=20, default_factory=list)]


class WorkshopImportCreate(Input):
    workshop: Title = Field(description="The workshop's name; posts are marked with it.")
    csv: Annotated[str, StringConstraints(min_length=1, max_length=200_000,
                                          pattern=PLAIN)] = Field(
        description="A header line `theme,text[,author]`, then one contribution per line; "
                    "theme is a theme's title or id.")


class WorkshopImportPublic(BaseModel):
    imported: int
    thread_ids: list[str]
