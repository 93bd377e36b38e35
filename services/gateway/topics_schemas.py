"""Request and response bodies of the topics routes (routes/topics.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from google.protobuf.timestamp_pb2 import Timestamp
from pydantic import BaseModel, Field, StringConstraints

from agora.v1 import topics_pb2
from services.gateway.schemas import NONBLANK, PLAIN, Input, ResourceId
from services.gateway.synthesis_schemas import IdeaDescription, IdeaPublic

DRAFT_MAX = 20_000
DraftText = Annotated[str, StringConstraints(min_length=1, max_length=DRAFT_MAX,
                                             pattern=NONBLANK)]
SuggestionStatus = Literal["open", "accepted", "dismissed"]


def _when(stamp: Timestamp, present: bool) -> datetime | None:
    return stamp.ToDatetime(tzinfo=UTC) if present else None


class TopicRunPublic(BaseModel):
    state: Literal["none", "running", "done", "failed"]
    run_id: str | None
    started_at: datetime | None
    finished_at: datetime | None
    posts: int = Field(description="Visible posts the run clustered.")
    topics: int
    seconds: float
    error: str | None

    @classmethod
    def of(cls, run: topics_pb2.TopicRun) -> TopicRunPublic:
        return cls(state=run.state, run_id=run.run_id or None,  # type: ignore[arg-type]
                   started_at=_when(run.started_at, run.HasField("started_at")),
                   finished_at=_when(run.finished_at, run.HasField("finished_at")),
                   posts=run.posts, topics=run.topics, seconds=run.seconds,
                   error=run.error or None)


class TopicPostPublic(BaseModel):
    post_id: str
    thread_id: str
    theme_id: str
    excerpt: str = Field(description="The start of the post's original text.")
    language: str

    @classmethod
    def of(cls, post: topics_pb2.TopicPost) -> TopicPostPublic:
        return cls(post_id=post.post_id, thread_id=post.thread_id, theme_id=post.theme_id,
                   excerpt=post.excerpt, language=post.language)


class TopicPublic(BaseModel):
    id: str
    theme_id: str | None = Field(description="None for a topic across themes.")
    key_phrases: list[str]
    size: int = Field(description="Posts in the topic.")
    representative: list[TopicPostPublic] = Field(description="Closest to its centre first.")

    @classmethod
    def of(cls, topic: topics_pb2.Topic) -> TopicPublic:
        return cls(id=topic.id, theme_id=topic.theme_id or None,
                   key_phrases=list(topic.key_phrases), size=topic.size,
                   representative=[TopicPostPublic.of(p) for p in topic.representative])


class TopicsPublic(BaseModel):
    run: TopicRunPublic
    items: list[TopicPublic]


class SuggestionPublic(BaseModel):
    id: str
    theme_id: str
    topic_id: str
    title: str
    key_phrases: list[str]
    sources: list[TopicPostPublic] = Field(description="Its source posts (hidden ones left "
                                                       "out).")
    status: Literal["open", "accepting", "accepted", "dismissed"]
    idea_id: str | None
    decided_by: str | None
    created_at: datetime
    decided_at: datetime | None

    @classmethod
    def of(cls, s: topics_pb2.Suggestion) -> SuggestionPublic:
        return cls(id=s.id, theme_id=s.theme_id, topic_id=s.topic_id, title=s.title,
                   key_phrases=list(s.key_phrases),
                   sources=[TopicPostPublic.of(p) for p in s.sources],
                   status=s.status,  # type: ignore[arg-type]
                   idea_id=s.idea_id or None, decided_by=s.decided_by or None,
                   created_at=s.created_at.ToDatetime(tzinfo=UTC),
                   decided_at=_when(s.decided_at, s.HasField("decided_at")))


class SuggestionsPublic(BaseModel):
    items: list[SuggestionPublic]


class SuggestionAcceptance(Input):
    title: Annotated[str, StringConstraints(max_length=200, pattern=PLAIN)] = Field(
        default="", description="The idea's title; the suggestion's when empty.")
    description: IdeaDescription = ""


class AcceptedSuggestion(BaseModel):
    suggestion: SuggestionPublic
    idea: IdeaPublic


class DraftQuery(Input):
    text: DraftText = Field(description="The draft being written.")
    theme_id: ResourceId | None = Field(default=None, description="Only this theme's.")
    limit: int = Field(default=5, ge=1, le=20)


class SimilarPublic(BaseModel):
    kind: Literal["post", "idea"]
    id: str
    theme_id: str
    thread_id: str | None
    text: str = Field(description="Its text in the reader's language where a translation "
                                  "exists, else the original's start.")
    language: str
    translated: bool
    score: float = Field(description="Cosine similarity of the TF-IDF vectors, 0 to 1.")

    @classmethod
    def of(cls, m: topics_pb2.SimilarMatch) -> SimilarPublic:
        return cls(kind=m.kind, id=m.id, theme_id=m.theme_id,  # type: ignore[arg-type]
                   thread_id=m.thread_id or None, text=m.text, language=m.language,
                   translated=m.translated, score=round(m.score, 4))


class SimilarPage(BaseModel):
    items: list[SimilarPublic]
