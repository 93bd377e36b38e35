"""Public JSON shapes of token votes: `XCreate`/`XPut` in, `XPublic` out.

Bounds here (integers only, 0..1000 tokens) keep a float or a huge number from ever
reaching the contract; the voting service checks everything again against the session.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from google.protobuf.timestamp_pb2 import Timestamp
from pydantic import BaseModel, Field, StringConstraints

from agora.v1 import voting_pb2
from agora_kit.validators import OPAQUE_ID_PATTERN
from services.gateway.languages import text_in
from services.gateway.schemas import INTEGRAL, NONBLANK, Input, Instant, Language, ResourceId

MAX_TOKENS = 1000
Name = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=NONBLANK)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=5000, pattern=NONBLANK)]
LocalizedName = Annotated[dict[Language, Name], Field(min_length=1, max_length=20)]
LocalizedText = Annotated[dict[Language, Text], Field(max_length=20)]
OpaqueId = Annotated[str, StringConstraints(pattern=OPAQUE_ID_PATTERN)]
Color = Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$")]
Status = Literal["draft", "open", "closing", "closed"]
STATUS_FROM_PROTO: dict[int, Status] = {
    voting_pb2.VOTE_SESSION_STATUS_DRAFT: "draft",
    voting_pb2.VOTE_SESSION_STATUS_OPEN: "open",
    voting_pb2.VOTE_SESSION_STATUS_CLOSED: "closed",
    voting_pb2.VOTE_SESSION_STATUS_CLOSING: "closing",
}


def _when(stamp: Timestamp) -> datetime:
    return stamp.ToDatetime(tzinfo=UTC)


def _maybe(message: object, field: str) -> datetime | None:
    if not message.HasField(field):  # type: ignore[attr-defined]
        return None
    return _when(getattr(message, field))


class TokenCategoryCreate(Input):
    name: LocalizedName
    color: Color
    total_number: Annotated[int, Field(ge=1, le=MAX_TOKENS), INTEGRAL]
    max_per_proposal: Annotated[int, Field(ge=0, le=MAX_TOKENS,
                                           description="0 = no cap beyond total_number"),
                                INTEGRAL] = 0


class GaugeChoiceCreate(Input):
    label: LocalizedName


class GaugeCreate(Input):
    """Labelled `choices` (answers are choice indexes), or an integer scale `min`..`max`."""

    question: LocalizedName
    choices: Annotated[list[GaugeChoiceCreate], Field(max_length=10)] = Field(
        default_factory=list)
    min: Annotated[int, Field(ge=-1_000_000, le=1_000_000), INTEGRAL] = 0
    max: Annotated[int, Field(ge=-1_000_000, le=1_000_000), INTEGRAL] = 0
    unit: Annotated[str, StringConstraints(max_length=20)] = ""


class ProposalCreate(Input):
    title: LocalizedName
    description: LocalizedText = Field(default_factory=dict)
    idea_id: OpaqueId | None = None
    gauges: Annotated[list[GaugeCreate], Field(max_length=5)] = Field(default_factory=list)


class VoteSessionCreate(Input):
    instructions: LocalizedText = Field(default_factory=dict)
    categories: Annotated[list[TokenCategoryCreate], Field(min_length=1, max_length=5)]
    exclusive_categories: bool = False
    live_results: bool = Field(default=False,
                               description="Show tallies to everyone before the close.")
    shuffle_proposals: bool = Field(
        default=False, description="Show each voter the proposals in their own stable "
        "shuffled order (against the list's head bias); otherwise in the order given here.")
    proposals: Annotated[list[ProposalCreate], Field(
        min_length=1, max_length=200, description="In the order voters and results show them.")]
    opens_at: Instant | None = None
    closes_at: Instant | None = None


class TokenCategoryPublic(BaseModel):
    id: str
    name: dict[str, str]
    color: str
    total_number: int
    max_per_proposal: int


class GaugePublic(BaseModel):
    id: str
    question: dict[str, str]
    choices: list[dict[str, str]]
    min: int
    max: int
    unit: str


class ProposalPublic(BaseModel):
    id: str
    title: dict[str, str]
    description: dict[str, str]
    idea_id: str | None
    gauges: list[GaugePublic]

    @classmethod
    def of(cls, p: voting_pb2.Proposal) -> ProposalPublic:
        return cls(
            id=p.id, title=dict(p.title), description=dict(p.description),
            idea_id=p.idea_id or None,
            gauges=[GaugePublic(id=g.id, question=dict(g.question),
                                choices=[dict(c.label) for c in g.choices], min=g.min,
                                max=g.max, unit=g.unit) for g in p.gauges],
        )


class VoteSessionPublic(BaseModel):
    id: str
    consultation_id: str
    instructions: dict[str, str]
    categories: list[TokenCategoryPublic]
    exclusive_categories: bool
    live_results: bool
    shuffle_proposals: bool
    languages: list[str] = Field(
        description="The consultation's languages at creation; the first is the fallback.")
    proposals: list[ProposalPublic] = Field(
        description="In the order the strategist gave them, or, when `shuffle_proposals`, "
        "in the asking voter's own stable shuffled order.")
    status: Status
    accepting_ballots: bool
    opens_at: datetime | None
    closes_at: datetime | None
    created_at: datetime
    ballot_count: int
    merkle_root: str | None
    results_digest: str | None

    @classmethod
    def of(cls, m: voting_pb2.VoteSession) -> VoteSessionPublic:
        return cls(
            id=m.id, consultation_id=m.consultation_id, instructions=dict(m.instructions),
            categories=[TokenCategoryPublic(id=c.id, name=dict(c.name), color=c.color,
                                            total_number=c.total_number,
                                            max_per_proposal=c.max_per_proposal)
                        for c in m.categories],
            exclusive_categories=m.exclusive_categories, live_results=m.live_results,
            shuffle_proposals=m.shuffle_proposals, languages=list(m.languages),
            proposals=[ProposalPublic.of(p) for p in m.proposals],
            status=STATUS_FROM_PROTO[m.status], accepting_ballots=m.accepting_ballots,
            opens_at=_maybe(m, "opens_at"), closes_at=_maybe(m, "closes_at"),
            created_at=_when(m.created_at), ballot_count=m.ballot_count,
            merkle_root=m.merkle_root or None, results_digest=m.results_digest or None,
        )


class VoteSessionsPage(BaseModel):
    items: list[VoteSessionPublic]
    next_cursor: str | None


class AllocationPut(Input):
    proposal_id: ResourceId
    category_id: ResourceId
    tokens: Annotated[int, Field(ge=0, le=MAX_TOKENS), INTEGRAL]


class GaugeAnswerPut(Input):
    proposal_id: ResourceId
    gauge_id: ResourceId
    value: Annotated[int, Field(ge=-1_000_000, le=1_000_000), INTEGRAL]


class BallotPut(Input):
    allocations: Annotated[list[AllocationPut], Field(max_length=1000)]
    gauge_answers: Annotated[list[GaugeAnswerPut], Field(max_length=1000)] = Field(
        default_factory=list)


class AllocationPublic(BaseModel):
    proposal_id: str
    category_id: str
    tokens: int


class GaugeAnswerPublic(BaseModel):
    proposal_id: str
    gauge_id: str
    value: int


class BallotPublic(BaseModel):
    session_id: str
    version: int = Field(description="0 before the first ballot; send as If-Match to replace.")
    allocations: list[AllocationPublic]
    gauge_answers: list[GaugeAnswerPublic]
    remaining: dict[str, int] = Field(description="Tokens left per category id.")
    submitted_at: datetime | None

    @classmethod
    def of(cls, m: voting_pb2.Ballot) -> BallotPublic:
        return cls(
            session_id=m.session_id, version=m.version,
            allocations=[AllocationPublic(proposal_id=a.proposal_id, category_id=a.category_id,
                                          tokens=a.tokens) for a in m.allocations],
            remaining={r.category_id: r.tokens for r in m.remaining},
            gauge_answers=[GaugeAnswerPublic(proposal_id=a.proposal_id, gauge_id=a.gauge_id,
                                             value=a.value) for a in m.gauge_answers],
            submitted_at=_maybe(m, "submitted_at"),
        )


class TallyPublic(BaseModel):
    proposal_id: str
    proposal_title: str = Field(description="In the results' `language`.")
    category_id: str
    category_name: str = Field(description="In the results' `language`.")
    tokens: int
    voters: int
    rank: int = Field(description="1 + the proposals with more tokens: ties share a rank.")


class GaugeResultPublic(BaseModel):
    proposal_id: str
    proposal_title: str
    gauge_id: str
    question: str
    answers: int
    average: float
    distribution: dict[str, int] = Field(description="Answer value -> number of voters.")


class Labels:
    """A session's texts in one language (the reader's, else the session's first)."""

    def __init__(self, session: voting_pb2.VoteSession, language: str) -> None:
        self.language = language
        fallback = session.languages[0] if session.languages else language
        self.proposals = {p.id: text_in(p.title, language, fallback) for p in session.proposals}
        self.categories = {c.id: text_in(c.name, language, fallback) for c in session.categories}
        self.questions = {(p.id, g.id): text_in(g.question, language, fallback)
                          for p in session.proposals for g in p.gauges}


class ResultsPublic(BaseModel):
    session_id: str
    final: bool
    ballot_count: int
    language: str = Field(description="The language of the titles and names below "
                          "(`?lang=`, else Accept-Language, else the consultation's first); "
                          "the session has every language of every text.")
    tallies: list[TallyPublic] = Field(
        description="Per category, by rank; ties in the strategist's order.")
    gauges: list[GaugeResultPublic]
    merkle_root: str | None
    results_digest: str | None
    announced: str | None = Field(description="Once final: the canonical JSON of the rows "
                                  "the digest covers (see the README, Verifying the results).")

    @classmethod
    def of(cls, m: voting_pb2.Results, labels: Labels) -> ResultsPublic:
        return cls(
            session_id=m.session_id, final=m.final, ballot_count=m.ballot_count,
            language=labels.language,
            tallies=[TallyPublic(proposal_id=t.proposal_id,
                                 proposal_title=labels.proposals.get(t.proposal_id, ""),
                                 category_id=t.category_id,
                                 category_name=labels.categories.get(t.category_id, ""),
                                 tokens=t.tokens, voters=t.voters, rank=t.rank)
                     for t in m.tallies],
            gauges=[GaugeResultPublic(proposal_id=g.proposal_id,
                                      proposal_title=labels.proposals.get(g.proposal_id, ""),
                                      gauge_id=g.gauge_id,
                                      question=labels.questions.get((g.proposal_id, g.gauge_id),
                                                                    ""),
                                      answers=g.answers, average=g.average,
                                      distribution={str(k): v for k, v in
                                                    sorted(g.distribution.items())})
                    for g in m.gauges],
            merkle_root=m.merkle_root or None, results_digest=m.results_digest or None,
            announced=m.announced or None,
        )


class LeafPublic(BaseModel):
    pseudonym: str
    leaf: str = Field(description="Canonical JSON of one counted ballot, as hashed.")


class LeavesPage(BaseModel):
    items: list[LeafPublic] = Field(description="In Merkle order (by pseudonym).")
    next_cursor: str | None


class ProofStepPublic(BaseModel):
    hash: str
    left: bool


class ReceiptPublic(BaseModel):
    session_id: str
    voter_pseudonym: str
    leaf: str = Field(description="Canonical JSON of your counted ballot, as hashed.")
    proof: list[ProofStepPublic]
    merkle_root: str
    results_digest: str
    announced: str = Field(
        description="Canonical JSON of the token and gauge rows the digest covers.")

    @classmethod
    def of(cls, m: voting_pb2.Receipt) -> ReceiptPublic:
        return cls(
            session_id=m.session_id, voter_pseudonym=m.voter_pseudonym, leaf=m.leaf,
            proof=[ProofStepPublic(hash=s.hash, left=s.left) for s in m.proof],
            merkle_root=m.merkle_root, results_digest=m.results_digest, announced=m.announced,
        )
