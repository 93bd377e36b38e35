"""Public JSON shapes of harvesting (extracts); ideas and syntheses will join them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from agora.v1 import synthesis_pb2, threads_pb2
from agora_kit.ids import ID_PATTERN
from agora_kit.rendering import render_body
from services.gateway.author_keys import AuthorKeys
from services.gateway.schemas import NONBLANK, PLAIN, Input, ResourceId

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


class Read(BaseModel):
    """In which language a text is served (README "Reading in one's language")."""

    language: str | None = Field(default=None, description=(
        "Of the text as served; None when no language was asked (as written) or not "
        "known yet."))
    original_language: str | None = Field(default=None, description=(
        "As written (detected by the translation service); None when not known."))
    translated: bool = Field(default=False, description="Whether the text is a translation.")
    machine: bool = False
    human_verified: bool = False


class Selection(Input):
    """A passage of the post's original text: code points [start, end)."""

    start: int = Field(ge=0, le=MAX_OFFSET)
    end: int = Field(ge=1, le=MAX_OFFSET,
                     description="After start, at most the post's length (checked by the "
                                 "synthesis service against the post).")


class ExtractCreate(Selection):
    post_id: ResourceId
    nature: NatureName
    idea_id: ResourceId | None = Field(
        default=None, description="The idea of this consultation the passage supports.")


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
    idea_id: str | None
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
            idea_id=extract.idea_id or None,
            post_revision=extract.post_revision,
            created_at=extract.created_at.ToDatetime(tzinfo=UTC),
            anchored_at=extract.anchored_at.ToDatetime(tzinfo=UTC))


class ExtractsPage(BaseModel):
    items: list[ExtractPublic]
    next_cursor: str | None


IdeaStatusName = Literal["proposed", "retained", "merged", "set_aside"]
IDEA_STATUS_TO_PROTO: dict[IdeaStatusName, synthesis_pb2.IdeaStatus.ValueType] = {
    "proposed": synthesis_pb2.IDEA_STATUS_PROPOSED,
    "retained": synthesis_pb2.IDEA_STATUS_RETAINED,
    "merged": synthesis_pb2.IDEA_STATUS_MERGED,
    "set_aside": synthesis_pb2.IDEA_STATUS_SET_ASIDE,
}
IDEA_STATUS_FROM_PROTO = {v: k for k, v in IDEA_STATUS_TO_PROTO.items()}
IdeaTitle = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=NONBLANK)]
IdeaDescription = Annotated[str, StringConstraints(max_length=5000, pattern=PLAIN)]


class IdeaCreate(Input):
    theme_id: ResourceId
    title: IdeaTitle
    description: IdeaDescription = ""
    parent_id: ResourceId | None = Field(default=None,
                                         description="A current idea of the same theme.")


class IdeaUpdate(Input):
    """New texts for an idea (what is left out stays); read again in every language once
    translated."""

    title: IdeaTitle | None = None
    description: IdeaDescription | None = None


class IdeaStatusUpdate(Input):
    status: Literal["proposed", "retained", "set_aside"]
    open_deepening: bool = Field(
        default=False, description="With retained: open the idea's two-column thread.")


class IdeaMerge(Input):
    into_id: ResourceId = Field(description="The idea that takes this one's extracts; "
                                            "not this idea nor one below it.")


class IdeaCountsPublic(BaseModel):
    extracts: int
    posts: int = Field(description="Distinct posts its extracts come from.")
    authors: int = Field(description="Distinct authors of those posts.")
    reactions: int = Field(description="Current reactions on those posts.")


class IdeaPublic(Read):
    id: str
    consultation_id: str
    theme_id: str
    title: str
    description: str
    parent_id: str | None
    status: IdeaStatusName
    merged_into: str | None
    thread_id: str | None = Field(description="Its two-column thread, once opened.")
    counts: IdeaCountsPublic
    resolved_from: str | None = Field(
        description="The merged idea's id that was asked for, when this is where it went.")
    created_at: datetime
    revision: int = Field(default=0, description="0 as created, +1 per edit of its texts.")

    @classmethod
    def of(cls, idea: synthesis_pb2.Idea) -> IdeaPublic:
        c = idea.counts
        return cls(
            id=idea.id, consultation_id=idea.consultation_id, theme_id=idea.theme_id,
            title=idea.title, description=idea.description, parent_id=idea.parent_id or None,
            status=IDEA_STATUS_FROM_PROTO[idea.status], merged_into=idea.merged_into or None,
            thread_id=idea.thread_id or None,
            counts=IdeaCountsPublic(extracts=c.extracts, posts=c.posts, authors=c.authors,
                                    reactions=c.reactions),
            resolved_from=idea.resolved_from or None,
            created_at=idea.created_at.ToDatetime(tzinfo=UTC), revision=idea.revision)


class IdeasPage(BaseModel):
    items: list[IdeaPublic]
    next_cursor: str | None


ParagraphText = Annotated[str, StringConstraints(min_length=1, max_length=10_000,
                                                 pattern=NONBLANK)]
Anchor = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
ContestBody = Annotated[str, StringConstraints(min_length=1, max_length=5000,
                                               pattern=NONBLANK)]


class SynthesisCreate(Input):
    title: IdeaTitle
    theme_id: ResourceId | None = Field(default=None,
                                        description="None: the whole consultation.")


class ParagraphDraft(Input):
    anchor: Anchor | None = Field(
        default=None, description="The anchor of the latest version's paragraph this one "
                                  "carries over (it keeps its contests); none for a new one.")
    text: ParagraphText = Field(description="Markdown; may cite `[idea:<id>]` and "
                                            "`[extract:<id>]` of this consultation.")


class DraftUpdate(Input):
    paragraphs: list[ParagraphDraft] = Field(max_length=200)


class ParagraphPublic(Read):
    anchor: str | None
    text: str = Field(description="Markdown, as written (render `html`, never this).")
    html: str = Field(description="The text rendered and sanitised, as post bodies are: "
                                  "safe to insert.")
    contests: int = Field(description="Contests on this anchor (published versions).")

    @classmethod
    def of(cls, p: synthesis_pb2.Paragraph, contests: int) -> ParagraphPublic:
        return cls(anchor=p.anchor or None, text=p.text, contests=contests,
                   html=render_body(p.text, threads_pb2.POST_FORMAT_MARKDOWN))


class SynthesisPublic(Read):
    id: str
    consultation_id: str
    theme_id: str | None
    title: str
    draft: list[ParagraphPublic] = Field(description="For synthesisers only (else empty).")
    latest_version: int
    created_at: datetime

    @classmethod
    def of(cls, s: synthesis_pb2.Synthesis, *, with_draft: bool) -> SynthesisPublic:
        return cls(id=s.id, consultation_id=s.consultation_id, theme_id=s.theme_id or None,
                   title=s.title, latest_version=s.latest_version,
                   draft=[ParagraphPublic.of(p, 0) for p in s.draft] if with_draft else [],
                   created_at=s.created_at.ToDatetime(tzinfo=UTC))


class SynthesesPage(BaseModel):
    items: list[SynthesisPublic]
    next_cursor: str | None


class SynthesisVersionPublic(Read):
    synthesis_id: str
    number: int
    title: str
    paragraphs: list[ParagraphPublic]
    published_at: datetime

    @classmethod
    def of(cls, v: synthesis_pb2.SynthesisVersion) -> SynthesisVersionPublic:
        return cls(synthesis_id=v.synthesis_id, number=v.number, title=v.title,
                   paragraphs=[ParagraphPublic.of(p, p.contests) for p in v.paragraphs],
                   published_at=v.published_at.ToDatetime(tzinfo=UTC))


class ParagraphChangePublic(BaseModel):
    anchor: str
    change: Literal["added", "removed", "changed", "unchanged"]
    before: str
    after: str
    html: str = Field(description="The change rendered: escaped text with <del>/<ins>.")


class SynthesisDiffPublic(BaseModel):
    from_version: int
    to_version: int
    changes: list[ParagraphChangePublic]


class ContestCreate(Input):
    body: ContestBody


class ContestAnswer(Input):
    body: ContestBody


class ContestResolution(Input):
    version: int = Field(ge=1, le=1_000_000,
                         description="The later version that changed the paragraph.")


class ContestReplyPublic(BaseModel):
    author_key: str | None
    body: str
    created_at: datetime


class ContestPublic(BaseModel):
    id: str
    synthesis_id: str
    anchor: str
    version: int
    body: str
    author_key: str | None = Field(description="The author's key in this consultation.")
    status: Literal["open", "answered", "taken_into_account"]
    replies: list[ContestReplyPublic]
    resolved_in_version: int | None

    @classmethod
    def of(cls, c: synthesis_pb2.Contest, keys: AuthorKeys,
           consultation_id: str) -> ContestPublic:
        status: Literal["open", "answered", "taken_into_account"] = (
            "taken_into_account" if c.status == "taken_into_account"
            else "answered" if c.status == "answered" else "open")
        return cls(id=c.id, synthesis_id=c.synthesis_id, anchor=c.anchor, version=c.version,
                   body=c.body, author_key=keys.of(consultation_id, c.author_id),
                   status=status,
                   replies=[ContestReplyPublic(author_key=keys.of(consultation_id, r.author_id),
                                               body=r.body,
                                               created_at=r.created_at.ToDatetime(tzinfo=UTC))
                            for r in c.replies],
                   resolved_in_version=c.resolved_in_version or None)


class ContestsPage(BaseModel):
    items: list[ContestPublic]
    next_cursor: str | None
