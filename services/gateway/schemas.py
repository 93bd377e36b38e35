"""Public JSON shapes, per resource: `XCreate` in, `XPublic` out, `XPage` for lists."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal, TypeAlias

from google.protobuf.timestamp_pb2 import Timestamp
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from agora.v1 import threads_pb2

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Language = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Z]{2})?$")]
ResourceId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{24}$")]
PostBody = Annotated[str, StringConstraints(min_length=1, max_length=10_000)]
PostFormatName = Literal["plain", "markdown"]

FormatValue: TypeAlias = threads_pb2.PostFormat.ValueType
FORMAT_TO_PROTO: dict[PostFormatName, FormatValue] = {
    "plain": threads_pb2.POST_FORMAT_PLAIN,
    "markdown": threads_pb2.POST_FORMAT_MARKDOWN,
}
FORMAT_FROM_PROTO: dict[FormatValue, PostFormatName] = {v: k for k, v in FORMAT_TO_PROTO.items()}


class Input(BaseModel):
    """Inputs refuse unknown fields, so a typo is an error rather than silently ignored."""

    model_config = ConfigDict(extra="forbid", strict=True)


def _when(stamp: Timestamp) -> datetime:
    return stamp.ToDatetime(tzinfo=UTC)


class ThemeCreate(Input):
    title: Title


class ConsultationCreate(Input):
    title: Title
    languages: Annotated[list[Language], Field(min_length=1, max_length=20)]
    themes: Annotated[list[ThemeCreate], Field(min_length=1, max_length=10)]


class ThemePublic(BaseModel):
    id: str
    title: str


class ConsultationPublic(BaseModel):
    id: str
    title: str
    languages: list[str]
    themes: list[ThemePublic]
    created_at: datetime

    @classmethod
    def of(cls, message: threads_pb2.Consultation) -> ConsultationPublic:
        return cls(
            id=message.id, title=message.title, languages=list(message.languages),
            themes=[ThemePublic(id=t.id, title=t.title) for t in message.themes],
            created_at=_when(message.created_at),
        )


class ConsultationsPage(BaseModel):
    items: list[ConsultationPublic]
    next_cursor: str | None


class ThreadCreate(Input):
    theme_id: ResourceId
    title: Title


class ThreadPublic(BaseModel):
    id: str
    consultation_id: str
    theme_id: str
    title: str
    post_count: int
    created_at: datetime

    @classmethod
    def of(cls, message: threads_pb2.Thread) -> ThreadPublic:
        return cls(
            id=message.id, consultation_id=message.consultation_id, theme_id=message.theme_id,
            title=message.title, post_count=message.post_count,
            created_at=_when(message.created_at),
        )


class ThreadsPage(BaseModel):
    items: list[ThreadPublic]
    next_cursor: str | None


class PostCreate(Input):
    body: PostBody
    format: PostFormatName = "plain"
    language: Language | None = None


class PostPublic(BaseModel):
    id: str
    thread_id: str
    consultation_id: str
    theme_id: str
    author_id: str
    body: str = Field(description="The text as written; render body_html, never body, as HTML.")
    body_html: str = Field(description="The body rendered and sanitised: safe to insert.")
    format: PostFormatName
    language: str
    created_at: datetime

    @classmethod
    def of(cls, message: threads_pb2.Post) -> PostPublic:
        return cls(
            id=message.id, thread_id=message.thread_id, consultation_id=message.consultation_id,
            theme_id=message.theme_id, author_id=message.author_id, body=message.body,
            body_html=message.body_html, format=FORMAT_FROM_PROTO[message.format],
            language=message.language, created_at=_when(message.created_at),
        )


class PostsPage(BaseModel):
    items: list[PostPublic]
    next_cursor: str | None


class ServiceStatus(BaseModel):
    status: Literal["ready", "unready"]
    services: dict[str, str]
    redis: Literal["ok", "unreachable"]
