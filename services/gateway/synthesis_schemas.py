"""Public JSON shapes of harvesting (extracts); ideas and syntheses will join them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, Field

from agora.v1 import synthesis_pb2
from services.gateway.schemas import Input, ResourceId

NatureName = Literal["issue", "actionable_solution", "knowledge", "example", "concept",
                     "argument"]
NATURE_TO_PROTO: dict[NatureName, synthesis_pb2.ExtractNature.ValueType] = {
    "issue": synthesis_pb2.EXTRACT_NATURE_ISSUE,
    "actionable_solution": synthesis_pb2.EXTRACT_NATURE_ACTIONABLE_SOLUTION,
    "knowledge": synthesis_pb2.EXTRACT_NATURE_KNOWLEDGE,
    "example": synthesis_pb2.EXTRACT_NATURE_EXAMPLE,
    "concept": synthesis_pb2.EXTRACT_NATURE_CONCEPT,
    "argument": synthesis_pb2.EXTRACT_NATURE_ARGUMENT,
}
NATURE_FROM_PROTO = {v: k for k, v in NATURE_TO_PROTO.items()}
STATE_FROM_PROTO: dict[int, Literal["anchored", "orphaned"]] = {
    synthesis_pb2.EXTRACT_STATE_ANCHORED: "anchored",
    synthesis_pb2.EXTRACT_STATE_ORPHANED: "orphaned",
}
MAX_OFFSET = 10_000  # a post body's longest (schemas.PostBody)


class Selection(Input):
    """A passage of the post's original text: code points [start, end)."""

    start: int = Field(ge=0, le=MAX_OFFSET)
    end: int = Field(ge=1, le=MAX_OFFSET,
                     description="After start, at most the post's length (checked by the "
                                 "synthesis service against the post).")


class ExtractCreate(Selection):
    post_id: ResourceId
    nature: NatureName


class QuoteSelector(BaseModel):
    """W3C Web Annotation TextQuoteSelector."""

    type: Literal["TextQuoteSelector"] = "TextQuoteSelector"
    exact: str
    prefix: str
    suffix: str


class PositionSelector(BaseModel):
    """W3C Web Annotation TextPositionSelector, on the post's original text."""

    type: Literal["TextPositionSelector"] = "TextPositionSelector"
    start: int
    end: int


class ExtractPublic(BaseModel):
    id: str
    consultation_id: str
    post_id: str
    thread_id: str
    theme_id: str
    nature: NatureName
    state: Literal["anchored", "orphaned"] = Field(
        description="orphaned: the post was edited and the passage is gone; re-anchor it.")
    post_status: Literal["visible", "hidden"]
    quote_withheld: bool = Field(
        description="The post is hidden: its words are for its author and moderators.")
    selectors: list[QuoteSelector | PositionSelector] = Field(
        description="Empty when the quote is withheld.")
    author_erased: bool
    language: str = Field(description="The post's original language (anchors are on it).")
    post_revision: int
    created_at: datetime
    anchored_at: datetime

    @classmethod
    def of(cls, extract: synthesis_pb2.Extract) -> ExtractPublic:
        anchor = extract.anchor
        selectors: list[QuoteSelector | PositionSelector] = [] if extract.quote_withheld else [
            QuoteSelector(exact=anchor.exact, prefix=anchor.prefix, suffix=anchor.suffix),
            PositionSelector(start=anchor.start, end=anchor.end)]
        return cls(
            id=extract.id, consultation_id=extract.consultation_id, post_id=extract.post_id,
            thread_id=extract.thread_id, theme_id=extract.theme_id,
            nature=NATURE_FROM_PROTO[extract.nature], state=STATE_FROM_PROTO[extract.state],
            post_status="hidden" if extract.post_status == "hidden" else "visible",
            quote_withheld=extract.quote_withheld, selectors=selectors,
            author_erased=extract.author_erased, language=extract.language,
            post_revision=extract.post_revision,
            created_at=extract.created_at.ToDatetime(tzinfo=UTC),
            anchored_at=extract.anchored_at.ToDatetime(tzinfo=UTC))


class ExtractsPage(BaseModel):
    items: list[ExtractPublic]
    next_cursor: str | None
