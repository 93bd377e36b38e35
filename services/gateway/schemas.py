"""Public JSON shapes, per resource: `XCreate` in, `XPublic` out, `XPage` for lists."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal, TypeAlias

from google.protobuf.timestamp_pb2 import Timestamp
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)

from agora.v1 import threads_pb2
from agora_kit.ids import ID_PATTERN
from agora_kit.validators import CONTROL_CLASS, LANGUAGE_PATTERN
from services.gateway.author_keys import AuthorKeys
from services.gateway.problems import pattern

# Text fields: the services refuse control characters other than tab and line breaks.
PLAIN = pattern(rf"^[^{CONTROL_CLASS}]*$",
                "contains control characters (only tabs and line breaks are allowed)")
# Blank characters as Python's str.strip() (which the services apply) and JSON Schema's
# `\s` count them, spelt out so that every regex engine reading the pattern (the
# document's clients, pydantic's) agrees: a text needs one character outside them.
_BLANK = r"\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_CONTROL = CONTROL_CLASS
NONBLANK = pattern(rf"^[^{_CONTROL}]*[^{_BLANK}][^{_CONTROL}]*$",
                   "is blank or contains control characters (only tabs and line breaks are "
                   "allowed)")
# Texts are trimmed by the services; bounds here apply to the text as sent, so that the
# document and the API agree on every length.
Title = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=NONBLANK)]
Language = Annotated[str, StringConstraints(pattern=pattern(
    LANGUAGE_PATTERN, "not a language code like 'fr' or 'pt-BR'"))]
ResourceId = Annotated[str, StringConstraints(pattern=pattern(
    ID_PATTERN, "not an id (24 hexadecimal digits)"))]
PostBody = Annotated[str, StringConstraints(min_length=1, max_length=10_000, pattern=PLAIN)]
PostFormatName = Literal["plain", "markdown"]


def _integral(value: object) -> object:
    """JSON Schema's integers include 1.0; strict pydantic would refuse it."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


INTEGRAL = BeforeValidator(_integral)  # last in an int's Annotated, after its Field
# RFC 3339 with an offset; JSON has no date type, so strings are parsed even in strict mode.


def _text(value: object) -> object:
    """Lax datetimes would take a number as a Unix time; the document says a string."""
    if not isinstance(value, str):
        raise ValueError("an RFC 3339 date-time string, e.g. 2026-03-01T09:00:00Z")
    return value


Instant = Annotated[AwareDatetime, Field(strict=False), BeforeValidator(_text)]

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


def _not_one(values: list[Any]) -> list[Any]:
    if len(values) == 1:
        raise ValueError("a theme has 2 or 3 sub-themes (or none yet)")
    return values


SUB_THEME_COUNT = {"not": {"minItems": 1, "maxItems": 1}, "uniqueItems": True}


class ThemeCreate(Input):
    """A new theme (creation): nothing exists yet that an id could keep."""

    title: Title = Field(description="Unique in the consultation (trimmed, ignoring case).")
    sub_themes: Annotated[list[Title], Field(
        max_length=3, json_schema_extra=SUB_THEME_COUNT, description="None yet, or 2 or 3."),
        AfterValidator(_not_one)] = []

    def to_proto(self) -> threads_pb2.ThemeDraft:
        return threads_pb2.ThemeDraft(title=self.title, sub_themes=list(self.sub_themes))


class SubThemeAdapt(Input):
    title: Title
    id: ResourceId | None = Field(
        default=None, description="The existing sub-theme this keeps (and its threads).")


class ThemeAdapt(Input):
    """A theme of an adapted structure: sent with its `id`, an existing one is kept."""

    title: Title = Field(description="Unique in the consultation (trimmed, ignoring case).")
    sub_themes: Annotated[list[Title | SubThemeAdapt], Field(
        max_length=3, json_schema_extra=SUB_THEME_COUNT,
        description="None yet, or 2 or 3: titles, or {id, title} to keep (or rename) an "
                    "existing sub-theme."), AfterValidator(_not_one)] = []
    id: ResourceId | None = Field(
        default=None, description="The existing theme this keeps (and its content).")

    def to_proto(self) -> threads_pb2.ThemeDraft:
        subs = [s if isinstance(s, SubThemeAdapt) else SubThemeAdapt(title=s)
                for s in self.sub_themes]
        ids = [s.id or "" for s in subs]
        return threads_pb2.ThemeDraft(title=self.title, sub_themes=[s.title for s in subs],
                                      id=self.id or "", sub_theme_ids=ids if any(ids) else [])


class PhaseCreate(Input):
    kind: PhaseName
    starts_at: Instant
    ends_at: Instant
    modules: Annotated[list[ModuleName], Field(
        max_length=10, json_schema_extra={"uniqueItems": True})] = Field(
        default=[], description="Empty: the phase's default modules.")

    def to_proto(self) -> threads_pb2.PhaseDraft:
        draft = threads_pb2.PhaseDraft(kind=PHASE_TO_PROTO[self.kind], modules=self.modules)
        draft.starts_at.FromDatetime(self.starts_at)
        draft.ends_at.FromDatetime(self.ends_at)
        return draft


Question = Annotated[str, StringConstraints(max_length=500, pattern=PLAIN)]
# A version's optional texts: empty reads the original, blank is refused.
MAYBE = pattern(rf"^([^{_CONTROL}]*[^{_BLANK}][^{_CONTROL}]*)?$",
                "is blank (leave it empty to read the original) or contains control "
                "characters")
MaybeTitle = Annotated[str, StringConstraints(max_length=200, pattern=MAYBE)]


class ThemeVersionIn(Input):
    title: MaybeTitle = Field(default="", description='"": the original title is read.')
    sub_themes: Annotated[list[MaybeTitle], Field(max_length=3)] = Field(
        default=[], description="None, or one per sub-theme in their order.")

    def to_proto(self) -> threads_pb2.ThemeVersion:
        return threads_pb2.ThemeVersion(title=self.title, sub_themes=self.sub_themes)


class ConsultationVersion(Input):
    """The consultation's texts in another of its languages, written by a strategist. Empty
    texts, and themes left out, read the original."""

    language: Language = Field(description="One of the consultation's, not the original's.")
    title: Title
    question: Annotated[str, StringConstraints(max_length=500, pattern=MAYBE)] = ""
    description: Annotated[str, StringConstraints(max_length=5000, pattern=MAYBE)] = ""
    step_after: Annotated[str, StringConstraints(max_length=5000, pattern=MAYBE)] = ""
    themes: Annotated[list[ThemeVersionIn], Field(max_length=10)] = Field(
        default=[], description="None, or one per theme in the themes' order.")

    def to_proto(self) -> threads_pb2.ConsultationVersion:
        return threads_pb2.ConsultationVersion(
            language=self.language, title=self.title, question=self.question,
            description=self.description, step_after=self.step_after,
            themes=[t.to_proto() for t in self.themes])

    @classmethod
    def of(cls, message: threads_pb2.ConsultationVersion) -> ConsultationVersion:
        return cls.model_construct(
            language=message.language, title=message.title, question=message.question,
            description=message.description, step_after=message.step_after,
            themes=[ThemeVersionIn.model_construct(title=t.title, sub_themes=list(t.sub_themes))
                    for t in message.themes])


class _ConsultationTexts(Input):
    """What a creation and an adaptation both carry, themes aside."""

    title: Title
    question: Question = Field(
        default="", description='The strategic question debated ("the future of ..."); '
                                "may stay empty until it is worded.")
    languages: Annotated[list[Language], Field(
        min_length=1, max_length=20, json_schema_extra={"uniqueItems": True},
        description="The first is the default language of posts. A language posts are "
                    "written in cannot be removed (409).")]
    description: Annotated[str, StringConstraints(max_length=5000, pattern=PLAIN)] = ""
    step_after: Annotated[str, StringConstraints(max_length=5000, pattern=PLAIN)] = Field(
        default="", description='"The step after": what will be done with the deliverable.')
    phases: Annotated[list[PhaseCreate], Field(max_length=5)] = []
    pre_moderation: bool = False
    original_language: Language | None = Field(
        default=None, description="The language the texts above are written in (one of "
        "`languages`; default: the first).")
    versions: Annotated[list[ConsultationVersion], Field(max_length=19)] = Field(
        default=[], description="The texts in the consultation's other languages (replaced "
        "as given when adapting: send them all again).")

    def version_protos(self) -> list[threads_pb2.ConsultationVersion]:
        return [v.to_proto() for v in self.versions]


class ConsultationCreate(_ConsultationTexts):
    """A new consultation: its whole structure (operators)."""

    themes: Annotated[list[ThemeCreate], Field(min_length=1, max_length=10)]


class ConsultationStructure(_ConsultationTexts):
    """What a strategist may adapt while the consultation runs (replaced as a whole)."""

    themes: Annotated[list[ThemeAdapt], Field(min_length=1, max_length=10)]


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
    question: str = Field(description='The strategic question debated ("" until worded).')
    description: str
    step_after: str
    languages: list[str]
    themes: list[ThemePublic]
    phases: list[PhasePublic]
    current_phase: PhaseName | None = Field(
        description="The phase the dates put us in now; null when unscheduled or between phases.")
    pre_moderation: bool
    created_at: datetime
    language: str = Field(description="The language of the texts as served.")
    original_language: str = Field(description="The language the texts are written in.")
    translated: bool = Field(description="The title (at least) is served in another "
                             "language than the original's.")
    machine: bool = Field(description="Translated by a machine (strategists' versions: no).")
    human_verified: bool = Field(description="Translated by a person: a strategist's version.")
    as_written: list[str] = Field(description='Translated: the texts its version leaves '
                                  'empty, served as written ("question", "themes.0.title", '
                                  '"themes.0.sub_themes.1").')
    versions: list[ConsultationVersion] = Field(description="Every version, as written.")

    @classmethod
    def of(cls, message: threads_pb2.Consultation) -> ConsultationPublic:
        return cls(
            id=message.id, title=message.title, question=message.question,
            description=message.description,
            step_after=message.step_after, languages=list(message.languages),
            themes=[ThemePublic(id=t.id, title=t.title, sub_themes=[
                SubThemePublic(id=s.id, title=s.title) for s in t.sub_themes])
                for t in message.themes],
            phases=[PhasePublic(kind=PHASE_FROM_PROTO[p.kind], starts_at=_when(p.starts_at),
                                ends_at=_when(p.ends_at), modules=list(p.modules))
                    for p in message.phases],
            current_phase=PHASE_FROM_PROTO.get(message.current_phase),
            pre_moderation=message.pre_moderation, created_at=_when(message.created_at),
            language=message.original_language, original_language=message.original_language,
            translated=False, machine=False, human_verified=False, as_written=[],
            versions=[ConsultationVersion.of(v) for v in message.versions],
        )


class ConsultationsPage(BaseModel):
    items: list[ConsultationPublic]
    next_cursor: str | None


class ThreadCreate(Input):
    theme_id: ResourceId
    sub_theme_id: ResourceId | None = Field(
        default=None, description="Optional: one of the theme's sub-themes.")
    title: Title = Field(description="The discussion's title, or the survey question.")
    kind: ThreadKindName = "discussion"
    idea_id: Annotated[str, StringConstraints(min_length=1, max_length=100,
                                              pattern=PLAIN)] | None = Field(
        default=None, description="two_column: the idea under deepening (opaque reference).")
    columns: Annotated[list[Annotated[str, StringConstraints(min_length=1, max_length=60,
                                                             pattern=PLAIN)]],
                       Field(max_length=4)] = Field(
        default=[], description='two_column: 2-4 labels; default "Advantages", "Drawbacks".')

    def to_proto(self) -> threads_pb2.CreateThreadRequest:
        return threads_pb2.CreateThreadRequest(
            theme_id=self.theme_id, title=self.title, kind=THREAD_KIND_TO_PROTO[self.kind],
            idea_id=self.idea_id or "", column_labels=self.columns,
            sub_theme_id=self.sub_theme_id or "")


class ColumnPublic(BaseModel):
    id: str
    label: str
    summary: str
    summary_by_key: str | None = Field(
        description="The synthesiser's author key in this consultation (see PostPublic).")
    summary_at: datetime | None


class ThreadPublic(BaseModel):
    id: str
    consultation_id: str
    theme_id: str
    sub_theme_id: str | None = Field(description="The sub-theme (null: the whole theme).")
    title: str
    kind: ThreadKindName
    idea_id: str | None
    columns: list[ColumnPublic]
    post_count: int = Field(description="Published posts (answers, for survey questions) in "
                                        "the thread; held ones are not counted.")
    created_at: datetime

    @classmethod
    def of(cls, message: threads_pb2.Thread, keys: AuthorKeys) -> ThreadPublic:
        return cls(
            id=message.id, consultation_id=message.consultation_id, theme_id=message.theme_id,
            sub_theme_id=message.sub_theme_id or None,
            title=message.title, kind=THREAD_KIND_FROM_PROTO[message.kind],
            idea_id=message.idea_id or None,
            columns=[ColumnPublic(id=c.id, label=c.label, summary=c.summary,
                                  summary_by_key=keys.of(message.consultation_id,
                                                         c.summary_by),
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
    expert_key: str | None = Field(
        description="The expert's author key in this consultation (see PostPublic).")
    checked_at: datetime

    @classmethod
    def of(cls, message: threads_pb2.FactCheck, expert_key: str | None) -> FactCheckPublic:
        status = threads_pb2.FactCheckStatus.Name(message.status)
        return cls(status=status.removeprefix("FACT_CHECK_STATUS_").lower(),  # type: ignore[arg-type]
                   note=message.note, sources=list(message.sources),
                   expert_key=expert_key, checked_at=_when(message.checked_at))


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
    author_key: str | None = Field(
        description="Who wrote it, as a key of this consultation: the same for all of one "
        "participant's posts here, unrelated to their keys elsewhere, never their account "
        "(compare with `author_key` of GET /v1/consultations/{id}/pseudonym to find one's "
        "own posts); null for an erased account.")
    author_name: str | None = Field(
        default=None, description="The author's pseudonym in this consultation, else their "
        "display name; null when they have neither (label them by `author_key`), for an "
        "erased account (`author_key` null too), or while names cannot be looked up.")
    body: str = Field(description="The text in `language` (as written, or its translation "
                      "when `translated`); render body_html, never body, as HTML.")
    body_html: str = Field(description="The body rendered and sanitised: safe to insert.")
    format: PostFormatName
    language: str = Field(description="BCP 47, the language of `body` as served: the "
                          "reader's (`?lang=` / Accept-Language) when `translated`, else "
                          "`original_language`.")
    original_language: str = Field(
        description="The language it was written in: declared by the author, else detected "
        "among the consultation's languages; `und` when it could not be told. "
        "`?original=true` reads the original text.")
    translated: bool = Field(
        default=False, description="Whether `body` is a translation into the language asked "
        "for; false while none is ready (the original is served meanwhile).")
    machine: bool = Field(default=False, description="A machine translation (when `translated`).")
    human_verified: bool = Field(
        default=False, description="A translation written or checked by a person (when "
        "`translated`).")
    language_confidence: float | None = Field(
        default=None, description="How sure detection was of `original_language` (0-1); "
        "null when the author declared it.")
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
    def of(cls, message: threads_pb2.Post, keys: AuthorKeys) -> PostPublic:
        consultation = message.consultation_id
        return cls(
            id=message.id, thread_id=message.thread_id, consultation_id=consultation,
            theme_id=message.theme_id, author_key=keys.of(consultation, message.author_id),
            body=message.body,
            body_html=message.body_html, format=FORMAT_FROM_PROTO[message.format],
            language=message.language, original_language=message.language,
            language_confidence=message.language_confidence
            if message.HasField("language_confidence") else None,
            created_at=_when(message.created_at),
            parent_id=message.parent_id or None, depth=message.depth, revision=message.revision,
            edited_at=_when(message.edited_at) if message.HasField("edited_at") else None,
            pinned=message.pinned, status=STATUS_FROM_PROTO[message.status],
            hidden_reason=message.hidden_reason or None,
            reaction_counts=dict(message.reaction_counts), my_reaction=message.my_reaction or None,
            column_id=message.column_id or None,
            fact_check=FactCheckPublic.of(
                message.fact_check, keys.of(consultation, message.fact_check.expert_id))
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
