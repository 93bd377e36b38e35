"""gRPC servicer of the voting service: validates, calls the domain code, converts to protos.

Every write first checks the roles the caller passed against `permissions.py` (the
gateway passes the caller's roles in the consultation; nobody else is trusted).
"""

from __future__ import annotations

from datetime import UTC, datetime

from google.protobuf.timestamp_pb2 import Timestamp

from agora.v1 import voting_pb2, voting_pb2_grpc
from agora_kit.clock import now
from agora_kit.consultations import Unavailable
from agora_kit.errors import FailedPrecondition, InvalidArgument
from agora_kit.ids import decode_cursor, encode_cursor, page_size, require_id
from agora_kit.types import Context, Document
from services.voting import phases, validation
from services.voting.ballots import BallotStore
from services.voting.digest import is_pseudonym
from services.voting.metrics import BALLOTS_REFUSED
from services.voting.permissions import Action, require
from services.voting.results import Results, gauge_message, tally_message
from services.voting.sessions import (
    CLOSED,
    CLOSING,
    STATUS_TO_PROTO,
    SessionStore,
    accepting_ballots,
    voter_order,
)


def _timestamp(value: datetime | None) -> Timestamp | None:
    if value is None:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp


def _datetime(message: voting_pb2.CreateVoteSessionRequest, field: str) -> datetime | None:
    if not message.HasField(field):  # type: ignore[arg-type]
        return None
    stamp: Timestamp = getattr(message, field)
    return stamp.ToDatetime(tzinfo=UTC).replace(microsecond=stamp.nanos // 1_000_000 * 1000)


def session_message(doc: Document, voter: str = "", *,
                    in_phase: bool = True) -> voting_pb2.VoteSession:
    proposals = voter_order(doc, voter)
    results = doc.get("results") or {}
    return voting_pb2.VoteSession(
        id=doc["_id"], consultation_id=doc["consultation_id"], instructions=doc["instructions"],
        categories=[voting_pb2.TokenCategory(**c) for c in doc["categories"]],
        exclusive_categories=doc["exclusive_categories"], live_results=doc["live_results"],
        proposals=[proposal_message(p) for p in proposals],
        status=STATUS_TO_PROTO[doc["status"]], opens_at=_timestamp(doc.get("opens_at")),
        closes_at=_timestamp(doc.get("closes_at")), created_by=doc["created_by"],
        created_at=_timestamp(doc["created_at"]), merkle_root=results.get("merkle_root", ""),
        results_digest=results.get("results_digest", ""),
        ballot_count=results.get("ballot_count", 0),
        accepting_ballots=in_phase and accepting_ballots(doc, now()),
        languages=doc.get("languages") or _languages_of(doc),
        shuffle_proposals=bool(doc.get("shuffle_proposals")),
    )


def _languages_of(doc: Document) -> list[str]:
    """A session created before sessions kept their consultation's languages: the
    languages its proposal titles are written in, in order of first use."""
    return list(dict.fromkeys(language for p in doc["proposals"] for language in p["title"]))


def proposal_message(doc: Document) -> voting_pb2.Proposal:
    return voting_pb2.Proposal(
        id=doc["id"], title=doc["title"], description=doc["description"],
        idea_id=doc["idea_id"],
        gauges=[voting_pb2.Gauge(id=g["id"], question=g["question"],
                                 choices=[voting_pb2.GaugeChoice(label=c) for c in g["choices"]],
                                 min=g["min"], max=g["max"], unit=g["unit"])
                for g in doc.get("gauges", [])],
    )


def ballot_message(session: Document, voter: str, ballot: Document | None) -> voting_pb2.Ballot:
    allocations = ballot["allocations"] if ballot else []
    left = validation.remaining(allocations, session)
    return voting_pb2.Ballot(
        session_id=session["_id"], voter_id=voter,
        allocations=[voting_pb2.Allocation(**a) for a in allocations],
        version=ballot["version"] if ballot else 0,
        submitted_at=_timestamp(ballot["submitted_at"]) if ballot else None,
        remaining=[voting_pb2.Remaining(category_id=c, tokens=n) for c, n in left.items()],
        gauge_answers=[voting_pb2.GaugeAnswer(**a) for a in (ballot or {}).get("gauges", [])],
    )


def results_message(session_id: str, results: Document) -> voting_pb2.Results:
    return voting_pb2.Results(
        session_id=session_id, final=results["final"], ballot_count=results["ballot_count"],
        tallies=[tally_message(row) for row in results["tallies"]],
        merkle_root=results["merkle_root"], results_digest=results["results_digest"],
        gauges=[gauge_message(row) for row in results.get("gauges", [])],
        announced=results.get("announced", ""),
    )


class VotingServicer(voting_pb2_grpc.VotingServiceServicer):
    def __init__(self, sessions: SessionStore, ballots: BallotStore, results: Results) -> None:
        self._sessions = sessions
        self._ballots = ballots
        self._results = results

    async def CreateVoteSession(
        self, request: voting_pb2.CreateVoteSessionRequest, context: Context
    ) -> voting_pb2.VoteSession:
        require(Action.MANAGE_SESSION, request.actor_roles)
        doc = await self._sessions.create(
            consultation_id=require_id(request.consultation_id, field="consultation_id"),
            instructions=validation.localized(request.instructions, field="instructions",
                                              max_chars=validation.TEXT_MAX, required=False),
            categories=validation.categories([
                validation.CategoryDraft(c.name, c.color, c.total_number, c.max_per_proposal)
                for c in request.categories
            ]),
            proposals=validation.proposals([
                validation.ProposalDraft(p.title, p.description, p.idea_id, [
                    validation.GaugeDraft(g.question, [c.label for c in g.choices], g.min,
                                          g.max, g.unit)
                    for g in p.gauges
                ])
                for p in request.proposals
            ]),
            exclusive_categories=request.exclusive_categories,
            live_results=request.live_results,
            shuffle_proposals=request.shuffle_proposals,
            opens_at=_datetime(request, "opens_at"),
            closes_at=_datetime(request, "closes_at"),
            actor=validation.actor(request.actor_id),
            idempotency_key=validation.idempotency_key(request.idempotency_key),
        )
        return session_message(doc)

    async def GetVoteSession(
        self, request: voting_pb2.GetVoteSessionRequest, context: Context
    ) -> voting_pb2.VoteSession:
        doc = await self._sessions.get(require_id(request.session_id, field="session_id"))
        try:
            spans = await self._sessions.phases.spans(doc["consultation_id"])
        except Unavailable:  # threads is down: show the session as it stands
            spans = []
        in_phase = not spans or phases.current(spans, now()) == phases.PRIORITISATION
        return session_message(doc, request.actor_id, in_phase=in_phase)

    async def ListVoteSessions(
        self, request: voting_pb2.ListVoteSessionsRequest, context: Context
    ) -> voting_pb2.ListVoteSessionsResponse:
        consultation_id = require_id(request.consultation_id, field="consultation_id")
        limit = page_size(request.page_size)
        docs = await self._sessions.page(consultation_id, after=decode_cursor(request.cursor),
                                         limit=limit + 1, include_drafts=request.include_drafts)
        try:
            spans = await self._sessions.phases.spans(consultation_id) if docs else []
        except Unavailable:  # threads is down: show the sessions as they stand
            spans = []
        in_phase = not spans or phases.current(spans, now()) == phases.PRIORITISATION
        return voting_pb2.ListVoteSessionsResponse(
            sessions=[session_message(d, in_phase=in_phase) for d in docs[:limit]],
            next_cursor=encode_cursor(docs[limit - 1]["_id"]) if len(docs) > limit else "")

    async def OpenVoteSession(
        self, request: voting_pb2.ChangeVoteSessionRequest, context: Context
    ) -> voting_pb2.VoteSession:
        require(Action.MANAGE_SESSION, request.actor_roles)
        doc = await self._sessions.open(require_id(request.session_id, field="session_id"),
                                        actor=validation.actor(request.actor_id))
        return session_message(doc)

    async def CloseVoteSession(
        self, request: voting_pb2.ChangeVoteSessionRequest, context: Context
    ) -> voting_pb2.VoteSession:
        require(Action.MANAGE_SESSION, request.actor_roles)
        remaining = context.time_remaining()  # answer before the caller gives up
        doc = await self._results.close(require_id(request.session_id, field="session_id"),
                                        actor=validation.actor(request.actor_id),
                                        wait=None if remaining is None else max(remaining - 2, 1))
        return session_message(doc)

    async def SubmitBallot(
        self, request: voting_pb2.SubmitBallotRequest, context: Context
    ) -> voting_pb2.Ballot:
        require(Action.VOTE, request.actor_roles)
        voter = validation.actor(request.actor_id)
        session = await self._sessions.config(require_id(request.session_id, field="session_id"))
        if session["status"] in (CLOSING, CLOSED):  # fresh here once this replica closed it
            raise FailedPrecondition("the vote session is closed", field="session_id")
        try:
            allocations = validation.ballot(
                [validation.AllocationInput(a.proposal_id, a.category_id, a.tokens)
                 for a in request.allocations],
                session,
            )
            answers = validation.gauge_answers(
                [validation.GaugeAnswerInput(a.proposal_id, a.gauge_id, a.value)
                 for a in request.gauge_answers],
                session,
            )
        except InvalidArgument:
            BALLOTS_REFUSED.labels("invalid").inc()
            raise
        expected = request.expected_version if request.HasField("expected_version") else None
        if expected is not None and expected < 0:
            raise InvalidArgument("expected_version must not be negative",
                                  field="expected_version")
        record = await self._ballots.submit(
            session=session, voter=voter, allocations=allocations, gauge_answers=answers,
            expected_version=expected,
            idempotency_key=validation.idempotency_key(request.idempotency_key),
        )
        return ballot_message(session, voter, record)

    async def GetBallot(
        self, request: voting_pb2.GetBallotRequest, context: Context
    ) -> voting_pb2.Ballot:
        voter = validation.actor(request.actor_id)
        session = await self._sessions.get(require_id(request.session_id, field="session_id"))
        return ballot_message(session, voter, await self._ballots.current(session["_id"], voter))

    async def GetResults(
        self, request: voting_pb2.GetResultsRequest, context: Context
    ) -> voting_pb2.Results:
        session = await self._sessions.get(require_id(request.session_id, field="session_id"))
        return results_message(session["_id"], await self._results.visible(session))

    async def GetReceipt(
        self, request: voting_pb2.GetReceiptRequest, context: Context
    ) -> voting_pb2.Receipt:
        voter = validation.actor(request.actor_id)
        session = await self._sessions.get(require_id(request.session_id, field="session_id"))
        receipt = await self._results.receipt(session, voter)
        return voting_pb2.Receipt(
            session_id=session["_id"], voter_pseudonym=receipt["pseudonym"], leaf=receipt["leaf"],
            proof=[voting_pb2.ProofStep(hash=s.hash, left=s.left) for s in receipt["proof"]],
            merkle_root=receipt["merkle_root"], results_digest=receipt["results_digest"],
            announced=receipt["announced"],
        )

    async def ListLeaves(
        self, request: voting_pb2.ListLeavesRequest, context: Context
    ) -> voting_pb2.ListLeavesResponse:
        session = await self._sessions.get(require_id(request.session_id, field="session_id"))
        limit = page_size(request.page_size)
        after = decode_cursor(request.cursor, valid=is_pseudonym)
        found = await self._results.leaves(session, after=after, limit=limit + 1)
        return voting_pb2.ListLeavesResponse(
            leaves=[voting_pb2.Leaf(pseudonym=d["pseudonym"], leaf=d["leaf"])
                    for d in found[:limit]],
            next_cursor=encode_cursor(found[limit - 1]["pseudonym"]) if len(found) > limit
            else "")
