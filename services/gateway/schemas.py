"""Public JSON shapes, per resource: `XCreate` in, `XPublic` out, `XPage` for lists."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal, TypeAlias

from google.protobuf.timestamp_pb2 import Timestamp
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from agora.v1 import threads_pb2

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Language = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Z]{2})?$")]
ResourceId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{24}$")]
PostBody = Annotated[str, StringConstraints(min_length=1, max_length=10_000)]
PostFormatName = Literal["plain", "markdown"]
# RFC 3339 with an offset; JSON has no date type, so strings are parsed even in strict mode.
Instant = Annotated[AwareDatetime, Field(strict=False)]

FormatValue: TypeAlias = threads_pb2.PostFormat.ValueType
FORMAT_TO_PROTO: dict[PostFormatName, FormatValue] = {
    "plain": threads_pb2.POST_FORMAT_PLAIN,
    "markdown": threads_pb2.POST_FORMAT_MARKDOWN,
}
FORMAT_FROM_PROTO: dict[FormatValue, PostFormatName] = {v: k for k, v in FORMAT_TO_PROTO.items()}
PostStatusName = Literal["visible", "hidden", "pending"]
STATUS_FROM_PROTO: dict[int, PostStatusName] = {
    threads_pb2.POST_STATUS_UNSPECIFIED: "visible", threads_pb2.POST_STATUS_VISIBLE: "visible",
    threads_pb2.POST_STATUS_HIDDEN: "hidden", threads_pb2.POST_STATUS_PENDING: "pending",
}
ThreadKindName = Literal["discussion", "survey_question", "two_column"]
THREAD_KIND_TO_PROTO: dict[ThreadKindName, threads_pb2.ThreadKind.ValueType] = {
    "discussion": threads_pb2.THREAD_KIND_DISCUSSION,
    "survey_question": threads_pb2.THREAD_KIND_SURVEY_QUESTION,
    "two_column": threads_pb2.THREAD_KIND_TWO_COLUMN,
}
THREAD_KIND_FROM_PROTO: dict[int, ThreadKindName] = {
    threads_pb2.THREAD_KIND_UNSPECIFIED: "discussion",
    **{v: k for k, v in THREAD_KIND_TO_PROTO.items()},
}
PhaseName = Literal["appropriation", "ideation", "deepening", "prioritisation", "deliverable"]
ModuleName = Literal["survey", "resources", "threads", "harvesting", "syntheses", "two_column",
                     "token_vote", "deliverable"]
PhaseValue: TypeAlias = threads_pb2.PhaseKind.ValueType
PHASE_TO_PROTO: dict[PhaseName, PhaseValue] = {
    "appropriation": threads_pb2.PHASE_KIND_APPROPRIATION,
    "ideation": threads_pb2.PHASE_KIND_IDEATION,
    "deepening": threads_pb2.PHASE_KIND_DEEPENING,
    "prioritisation": threads_pb2.PHASE_KIND_PRIORITISATION,
    "deliverable": threads_pb2.PHASE_KIND_DELIVERABLE,
}
PHASE_FROM_PROTO: dict[PhaseValue, PhaseName] = {v: k for k, v in PHASE_TO_PROTO.items()}


class Input(BaseModel):
    """Inputs refuse unknown fields, so a typo is an error rather than silently ignored."""

    model_config = ConfigDict(extra="forbid", strict=True)


def _when(stamp: Timestamp) -> datetime:
    return stamp.ToDatetime(tzinfo=UTC)


class ThemeCreate(Input):
    title: Title
    sub_themes: Annotated[list[Title], Field(max_length=3)] = []
    id: ResourceId | None = Field(
        default=None, description="When adapting: the existing theme this keeps (and its content).")

    def to_proto(self) -> threads_pb2.ThemeDraft:
        return threads_pb2.ThemeDraft(title=self.title, sub_themes=self.sub_themes,
                                      id=self.id or "")


class PhaseCreate(Input):
    kind: PhaseName
    starts_at: Instant
    ends_at: Instant
    modules: Annotated[list[ModuleName], Field(max_length=10)] = Field(
        default=[], description="Empty: the phase's default modules.")

    def to_proto(self) -> threads_pb2.PhaseDraft:
        draft = threads_pb2.PhaseDraft(kind=PHASE_TO_PROTO[self.kind], modules=self.modules)
        draft.starts_at.FromDatetime(self.starts_at)
        draft.ends_at.FromDatetime(self.ends_at)
        return draft


class ConsultationStructure(Input):
    """What a strategist may adapt while the consultation runs (replaced as a whole)."""

    description: Annotated[str, StringConstraints(max_length=5000)] = ""
    step_after: Annotated[str, StringConstraints(max_length=5000)] = Field(
        default="", description='"The step after": what will be done with the deliverable.')
    themes: Annotated[list[ThemeCreate], Field(min_length=1, max_length=10)]
    phases: Annotated[list[PhaseCreate], Field(max_length=5)] = []
    pre_moderation: bool = False


class ConsultationCreate(ConsultationStructure):
    title: Title
    languages: Annotated[list[Language], Field(min_length=1, max_length=20)]


class SubThemePublic(BaseModel):
    id: str
    title: str


class ThemePublic(BaseModel):
    id: str
    title: str
    sub_themes: list[SubThemePublic]


class PhasePublic(BaseModel):
    kind: PhaseName
    starts_at: datetime
    ends_at: datetime
    modules: list[str]


class ConsultationPublic(BaseModel):
    id: str
    title: str
    description: str
    step_after: str
    languages: list[str]
    themes: list[ThemePublic]
    phases: list[PhasePublic]
    current_phase: PhaseName | None = Field(
        description="The phase the dates put us in now; null when unscheduled or between phases.")
    pre_moderation: bool
    created_at: datetime

    @classmethod
    def of(cls, message: threads_pb2.Consultation) -> ConsultationPublic:
        return cls(
            id=message.id, title=message.title, description=message.description,
            step_after=message.step_after, languages=list(message.languages),
            themes=[ThemePublic(id=t.id, title=t.title, sub_themes=[
                SubThemePublic(id=s.id, title=s.title) for s in t.sub_themes])
                for t in message.themes],
            phases=[PhasePublic(kind=PHASE_FROM_PROTO[p.kind], starts_at=_when(p.starts_at),
                                ends_at=_when(p.ends_at), modules=list(p.modules))
                    for p in message.phases],
            current_phase=PHASE_FROM_PROTO.get(message.current_phase),
            pre_moderation=message.pre_moderation, created_at=_when(message.created_at),
        )


class ConsultationsPage(BaseModel):
    items: list[ConsultationPublic]
    next_cursor: str | None


class ThreadCreate(Input):
    theme_id: ResourceId
    title: Title = Field(description="The discussion's title, or the survey question.")
    kind: ThreadKindName = "discussion"
    idea_id: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = Field(
        default=None, description="two_column: the idea under deepening (opaque reference).")
    columns: Annotated[list[Annotated[str, StringConstraints(min_length=1, max_length=60)]],
                       Field(max_length=4)] = Field(
        default=[], description='two_column: 2-4 labels; default "Advantages", "Drawbacks".')

    def to_proto(self) -> threads_pb2.CreateThreadRequest:
        return threads_pb2.CreateThreadRequest(
            theme_id=self.theme_id, title=self.title, kind=THREAD_KIND_TO_PROTO[self.kind],
            idea_id=self.idea_id or "", column_labels=self.columns)


class ColumnPublic(BaseModel):
    id: str
    label: str
    summary: str
    summary_by: str | None
    summary_at: datetime | None


class ThreadPublic(BaseModel):
    id: str
    consultation_id: str
    theme_id: str
    title: str
    kind: ThreadKindName
    idea_id: str | None
    columns: list[ColumnPublic]
    post_count: int = Field(description="Posts (answers, for survey questions) in the thread.")
    created_at: datetime

    @classmethod
    def of(cls, message: threads_pb2.Thread) -> ThreadPublic:
        return cls(
            id=message.id, consultation_id=message.consultation_id, theme_id=message.theme_id,
            title=message.title, kind=THREAD_KIND_FROM_PROTO[message.kind],
            idea_id=message.idea_id or None,
            columns=[ColumnPublic(id=c.id, label=c.label, summary=c.summary,
                                  summary_by=c.summary_by or None,
                                  summary_at=_when(c.summary_at) if c.HasField("summary_at")
                                  else None) for c in message.columns],
            post_count=message.post_count, created_at=_when(message.created_at),
        )


class ThreadsPage(BaseModel):
    items: list[ThreadPublic]
    next_cursor: str | None


FactCheckStatusName = Literal["verified", "misleading", "needs_context", "false"]


class FactCheckPublic(BaseModel):
    status: FactCheckStatusName
    note: str
    sources: list[str]
    expert_id: str
    checked_at: datetime

    @classmethod
    def of(cls, message: threads_pb2.FactCheck) -> FactCheckPublic:
        status = threads_pb2.FactCheckStatus.Name(message.status)
        return cls(status=status.removeprefix("FACT_CHECK_STATUS_").lower(),  # type: ignore[arg-type]
                   note=message.note, sources=list(message.sources),
                   expert_id=message.expert_id, checked_at=_when(message.checked_at))


class PostCreate(Input):
    body: PostBody
    format: PostFormatName = "plain"
    language: Language | None = Field(
        default=None, description="One of the consultation's languages; omitted, it is "
        "detected among them (`und` when it cannot be told).")
    parent_id: ResourceId | None = Field(default=None,
                                         description="Reply to this post of the same thread.")
    column_id: ResourceId | None = Field(
        default=None, description="two_column threads: the column (replies inherit it).")


class PostPublic(BaseModel):
    id: str
    thread_id: str
    consultation_id: str
    theme_id: str
    author_id: str
    author_name: str | None = Field(
        default=None, description="The author's pseudonym in this consultation, else their "
        "display name (null: unknown, e.g. an erased account).")
    body: str = Field(description="The text as written; render body_html, never body, as HTML.")
    body_html: str = Field(description="The body rendered and sanitised: safe to insert.")
    format: PostFormatName
    language: str = Field(description="BCP 47: declared by the author, else detected among "
                          "the consultation's languages; `und` when it could not be told.")
    language_confidence: float | None = Field(
        default=None, description="How sure detection was of `language` (0-1); null when "
        "the author declared it.")
    created_at: datetime
    parent_id: str | None = Field(description="The post this one answers (null: top level).")
    depth: int
    revision: int = Field(description="Earlier versions kept (see /v1/posts/{id}/revisions).")
    edited_at: datetime | None
    pinned: bool
    status: PostStatusName
    hidden_reason: str | None = Field(
        description="Why it was hidden; shown to its author and moderators only.")
    reaction_counts: dict[str, int]
    my_reaction: str | None
    column_id: str | None
    fact_check: FactCheckPublic | None = Field(description="An expert's annotation.")
    workshop: str | None = Field(description="The in-person workshop it was imported from.")
    author_label: str | None = Field(description="Who said it at the workshop (free text).")

    @classmethod
    def of(cls, message: threads_pb2.Post) -> PostPublic:
        return cls(
            id=message.id, thread_id=message.thread_id, consultation_id=message.consultation_id,
            theme_id=message.theme_id, author_id=message.author_id, body=message.body,
            body_html=message.body_html, format=FORMAT_FROM_PROTO[message.format],
            language=message.language,
            language_confidence=message.language_confidence
            if message.HasField("language_confidence") else None,
            created_at=_when(message.created_at),
            parent_id=message.parent_id or None, depth=message.depth, revision=message.revision,
            edited_at=_when(message.edited_at) if message.HasField("edited_at") else None,
            pinned=message.pinned, status=STATUS_FROM_PROTO[message.status],
            hidden_reason=message.hidden_reason or None,
            reaction_counts=dict(message.reaction_counts), my_reaction=message.my_reaction or None,
            column_id=message.column_id or None,
            fact_check=FactCheckPublic.of(message.fact_check)
            if message.HasField("fact_check") else None,
            workshop=message.workshop or None, author_label=message.author_label or None,
        )


class ColumnSummary(Input):
    summary: PostBody


class PostsPage(BaseModel):
    items: list[PostPublic]
    pinned: list[PostPublic] = Field(description="Pinned announcements (first page only).")
    next_cursor: str | None


class ServiceStatus(BaseModel):
    status: Literal["ready", "unready"]
    services: dict[str, str]
    redis: Literal["ok", "unreachable"]
