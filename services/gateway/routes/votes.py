"""/v1/vote-sessions — token votes: sessions, the caller's own ballot, results, receipts.

A session is created under its consultation (`POST /v1/consultations/{id}/vote-sessions`)
so that the permission check, which finds the consultation from path parameters, judges
the caller's roles there; every other route names the session, whose consultation the
gateway resolves (scope.py).

There is no voter id in any ballot path: a caller only ever reads or replaces their own
ballot. Results visibility (hidden until close unless the session allows live results)
is decided by the voting service, never here. Who may read a session, its list, results
and leaves is one rule, the consultation's admission (`vote_session.read` in
permissions.py: anyone in a public consultation, admitted accounts otherwise); drafts are
for those who may manage sessions (`_sees_drafts`), everyone else gets 404.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Header, Request, Response

from agora.v1 import voting_pb2
from agora_kit.csv_export import csv_document
from services.gateway.auth import Principal
from services.gateway.deps import (
    Clients,
    CurrentUser,
    Cursor,
    IdempotencyKey,
    LeafCursor,
    Limit,
    OptionalUser,
    Recorder,
    Writer,
    resources_of,
    roles,
)
from services.gateway.languages import AcceptLanguage, LangQuery, preferred
from services.gateway.participation.record import ALL_THEMES
from services.gateway.permissions import allowed
from services.gateway.problems import Problem
from services.gateway.routes.ids import existing_id
from services.gateway.scope import consultation_of
from services.gateway.vote_schemas import (
    BallotPublic,
    BallotPut,
    Labels,
    LeafPublic,
    LeavesPage,
    ReceiptPublic,
    ResultsPublic,
    VoteSessionCreate,
    VoteSessionPublic,
    VoteSessionsPage,
)

log = logging.getLogger(__name__)
router = APIRouter(prefix="/v1/vote-sessions", tags=["votes"])
consultation_router = APIRouter(prefix="/v1/consultations", tags=["votes"])
# Closing shuts every gate of the session and counts every ballot: seconds on a loaded
# SecantusDB, while voting goes on. It is rare and idempotent (a retry finishes the job).
# Opening creates the session's gates and closing shuts them: seconds on a loaded store.
CLOSE_TIMEOUT_SECONDS = 60.0
VERSION_PATTERN = r'^(W/)?"?([0-9]{1,18})"?$'
_VERSION = re.compile(VERSION_PATTERN)


def _session_id(value: str) -> str:
    return existing_id(value, "vote session")


def _sees_drafts(user: Principal | None) -> bool:
    """Drafts are for those who may manage sessions (strategists, operators)."""
    return user is not None and allowed("vote_session.manage", user.roles)


async def _readable(session_id: str, user: Principal | None,
                    clients: Clients) -> voting_pb2.VoteSession:
    """The session as this reader sees it; a draft does not exist for non-managers."""
    request = voting_pb2.GetVoteSessionRequest(session_id=_session_id(session_id),
                                               actor_id=user.account_id if user else "")
    session: voting_pb2.VoteSession = await clients.call(
        "voting", clients.voting.GetVoteSession, request)
    if session.status == voting_pb2.VOTE_SESSION_STATUS_DRAFT and not _sees_drafts(user):
        raise Problem(404, f"vote session {session_id} does not exist", kind="not-found")
    return session


@consultation_router.post("/{consultation_id}/vote-sessions", status_code=201,
                          response_model=VoteSessionPublic)
async def create(
    consultation_id: str, body: VoteSessionCreate, user: Writer, clients: Clients,
    response: Response, idempotency_key: IdempotencyKey = None,
) -> VoteSessionPublic:
    """Create a draft vote session of the consultation, with its token categories and
    proposals (strategists; it opens in the prioritisation phase)."""
    request = voting_pb2.CreateVoteSessionRequest(
        consultation_id=existing_id(consultation_id, "consultation"),
        instructions=body.instructions,
        categories=[voting_pb2.TokenCategoryDraft(name=c.name, color=c.color,
                                                  total_number=c.total_number,
                                                  max_per_proposal=c.max_per_proposal)
                    for c in body.categories],
        exclusive_categories=body.exclusive_categories, live_results=body.live_results,
        shuffle_proposals=body.shuffle_proposals,
        proposals=[voting_pb2.ProposalDraft(
            title=p.title, description=p.description, idea_id=p.idea_id or "",
            gauges=[voting_pb2.GaugeDraft(
                question=g.question, choices=[voting_pb2.GaugeChoice(label=c.label)
                                              for c in g.choices],
                min=g.min, max=g.max, unit=g.unit) for g in p.gauges],
        ) for p in body.proposals],
        actor_id=user.account_id, actor_roles=roles(user),
        idempotency_key=idempotency_key or "",
    )
    if body.opens_at is not None:
        request.opens_at.FromDatetime(body.opens_at)
    if body.closes_at is not None:
        request.closes_at.FromDatetime(body.closes_at)
    created = await clients.call("voting", clients.voting.CreateVoteSession, request)
    response.headers["Location"] = f"/v1/vote-sessions/{created.id}"
    return VoteSessionPublic.of(created)


@consultation_router.get("/{consultation_id}/vote-sessions", response_model=VoteSessionsPage)
async def list_sessions(consultation_id: str, user: OptionalUser, clients: Clients,
                        limit: Limit = 20, cursor: Cursor = "") -> VoteSessionsPage:
    """The consultation's vote sessions, oldest first, a page at a time (drafts only for
    strategists and operators)."""
    request = voting_pb2.ListVoteSessionsRequest(
        consultation_id=existing_id(consultation_id, "consultation"), page_size=limit,
        cursor=cursor, include_drafts=_sees_drafts(user))
    page = await clients.call("voting", clients.voting.ListVoteSessions, request)
    return VoteSessionsPage(items=[VoteSessionPublic.of(s) for s in page.sessions],
                            next_cursor=page.next_cursor or None)


@router.get("/{session_id}", response_model=VoteSessionPublic)
async def get(session_id: str, user: OptionalUser, clients: Clients) -> VoteSessionPublic:
    """The session, every text in every language; its proposals in the strategist's order
    (or, when it shuffles them, in the caller's own stable shuffled order)."""
    return VoteSessionPublic.of(await _readable(session_id, user, clients))


@router.post("/{session_id}/open", response_model=VoteSessionPublic)
async def open_session(session_id: str, user: Writer, clients: Clients) -> VoteSessionPublic:
    """Start accepting ballots (from `opens_at`, if set)."""
    return await _change(session_id, user, clients, clients.voting.OpenVoteSession)


@router.post("/{session_id}/close", response_model=VoteSessionPublic,
             responses={202: {"model": VoteSessionPublic,
                              "description": "Ballots refused, still counting (`closing`)."}})
async def close_session(session_id: str, user: Writer, clients: Clients,
                        response: Response) -> VoteSessionPublic:
    """Stop accepting ballots and publish the final results and their digest.

    A large session can take longer to count than this request waits: the answer is then
    202 with status `closing`, the count goes on, and the session turns `closed` (with
    its results) by itself; closing again is harmless and waits for the same count."""
    session = await _change(session_id, user, clients, clients.voting.CloseVoteSession)
    if session.status == "closing":
        response.status_code = 202
        response.headers["Location"] = f"/v1/vote-sessions/{session.id}"
    return session


async def _change(session_id: str, user: Principal, clients: Clients,
                  method: Callable[..., Awaitable[voting_pb2.VoteSession]]) -> VoteSessionPublic:
    """Open or close: both touch the session's gates, seconds on a loaded store."""
    request = voting_pb2.ChangeVoteSessionRequest(session_id=_session_id(session_id),
                                                  actor_id=user.account_id,
                                                  actor_roles=roles(user))
    return VoteSessionPublic.of(await clients.call("voting", method, request,
                                                   deadline=CLOSE_TIMEOUT_SECONDS))


@router.put("/{session_id}/ballot", response_model=BallotPublic)
async def put_ballot(
    session_id: str, body: BallotPut, user: Writer, clients: Clients, response: Response,
    participation: Recorder, http: Request, idempotency_key: IdempotencyKey = None,
    if_match: Annotated[str | None, Header(
        alias="If-Match", pattern=VERSION_PATTERN,
        description='Replace only if your ballot is at this version (`"3"`).')] = None,
) -> BallotPublic:
    """Replace your whole ballot (every proposal and category at once), all-or-nothing."""
    request = voting_pb2.SubmitBallotRequest(
        session_id=_session_id(session_id), actor_id=user.account_id, actor_roles=roles(user),
        allocations=[voting_pb2.Allocation(proposal_id=a.proposal_id, category_id=a.category_id,
                                           tokens=a.tokens) for a in body.allocations],
        gauge_answers=[voting_pb2.GaugeAnswer(proposal_id=a.proposal_id, gauge_id=a.gauge_id,
                                              value=a.value) for a in body.gauge_answers],
        idempotency_key=idempotency_key or "",
    )
    if if_match is not None:
        match = _VERSION.match(if_match.strip())
        if match is None:
            raise Problem(422, "If-Match must be a ballot version such as \"3\"",
                          errors=[{"field": "header.If-Match", "message": "not a version"}])
        request.expected_version = int(match.group(2))
    ballot = await clients.call("voting", clients.voting.SubmitBallot, request)
    await _count_voter(http, clients, participation, account_id=user.account_id)
    response.headers["ETag"] = f'"{ballot.version}"'
    return BallotPublic.of(ballot)


async def _count_voter(http: Request, clients: Clients, participation: Recorder, *,
                       account_id: str) -> None:
    """A vote is a reaction (participation level "react", whole consultation). The
    session's consultation comes from the scope cache the permission check just used (no
    extra call per ballot); the ballot is already accepted, so a failed lookup is logged,
    never answered as an error."""
    try:
        consultation_id = await consultation_of(http.path_params, clients,
                                                resources_of(http.app).redis)
    except Problem as problem:
        log.warning("voter not counted as reactor", extra={"detail": problem.detail})
        return
    if consultation_id is not None:
        await participation.record(consultation_id=consultation_id, theme_id=ALL_THEMES,
                                   account_id=account_id, level="react")


@router.get("/{session_id}/ballot", response_model=BallotPublic)
async def get_ballot(
    session_id: str, user: CurrentUser, clients: Clients, response: Response
) -> BallotPublic:
    """Your current ballot and your remaining tokens per category."""
    request = voting_pb2.GetBallotRequest(session_id=_session_id(session_id),
                                          actor_id=user.account_id)
    ballot = await clients.call("voting", clients.voting.GetBallot, request)
    response.headers["ETag"] = f'"{ballot.version}"'
    return BallotPublic.of(ballot)


@router.get("/{session_id}/ballots/{voter_id}", response_model=BallotPublic)
async def get_voter_ballot(
    session_id: str, voter_id: str, user: CurrentUser, clients: Clients, response: Response
) -> BallotPublic:
    """Your ballot by your own account id; any other voter's ballot does not exist for you."""
    if voter_id != user.account_id:
        raise Problem(404, "no such ballot", kind="not-found")
    return await get_ballot(session_id, user, clients, response)


async def _results(session_id: str, user: Principal | None, clients: Clients,
                   lang: str | None, accept_language: str | None,
                   ) -> tuple[voting_pb2.Results, Labels]:
    """The results and the session's texts in the reader's language."""
    session = await _readable(session_id, user, clients)
    request = voting_pb2.GetResultsRequest(session_id=session.id)
    found = await clients.call("voting", clients.voting.GetResults, request)
    language = preferred(session.languages, lang=lang, accept_language=accept_language)
    return found, Labels(session, language)


@router.get("/{session_id}/results", response_model=ResultsPublic)
async def results(session_id: str, user: OptionalUser, clients: Clients,
                  lang: LangQuery = None,
                  accept_language: AcceptLanguage = None) -> ResultsPublic:
    """Tallies per proposal and category with ranks, titles in the reader's language;
    final with the digest and what it covers once closed."""
    return ResultsPublic.of(*await _results(session_id, user, clients, lang, accept_language))


@router.get("/{session_id}/results.csv", response_class=Response,
            responses={200: {"content": {"text/csv": {}}}})
async def results_csv(session_id: str, user: OptionalUser, clients: Clients,
                      lang: LangQuery = None,
                      accept_language: AcceptLanguage = None) -> Response:
    """The same tallies as CSV (one row per proposal and category, as in the JSON); text
    cells that a spreadsheet would run as a formula start with `'` (agora_kit/csv_export.py)."""
    found, labels = await _results(session_id, user, clients, lang, accept_language)
    document = csv_document(
        ["category_id", "category_name", "rank", "proposal_id", "proposal_title", "tokens",
         "voters"],
        ([t.category_id, labels.categories.get(t.category_id, ""), t.rank, t.proposal_id,
          labels.proposals.get(t.proposal_id, ""), t.tokens, t.voters]
         for t in found.tallies))
    headers = {"Content-Disposition": f'attachment; filename="results-{found.session_id}.csv"',
               "Content-Language": labels.language}
    if found.results_digest:
        headers["X-Results-Digest"] = found.results_digest
    return Response(document, media_type="text/csv", headers=headers)


@router.get("/{session_id}/leaves", response_model=LeavesPage)
async def leaves(session_id: str, clients: Clients, limit: Limit = 20,
                 cursor: LeafCursor = "") -> LeavesPage:
    """Once closed, every counted ballot as its published leaf, in Merkle order, a page at
    a time: hash them into the root and add them up into the tallies."""
    request = voting_pb2.ListLeavesRequest(session_id=_session_id(session_id),
                                           page_size=limit, cursor=cursor)
    page = await clients.call("voting", clients.voting.ListLeaves, request)
    return LeavesPage(items=[LeafPublic(pseudonym=leaf.pseudonym, leaf=leaf.leaf)
                             for leaf in page.leaves],
                      next_cursor=page.next_cursor or None)


@router.get("/{session_id}/receipt", response_model=ReceiptPublic)
async def receipt(session_id: str, user: CurrentUser, clients: Clients) -> ReceiptPublic:
    """Proof that your final ballot is a leaf of the published Merkle root (check offline)."""
    request = voting_pb2.GetReceiptRequest(session_id=_session_id(session_id),
                                           actor_id=user.account_id)
    return ReceiptPublic.of(await clients.call("voting", clients.voting.GetReceipt, request))
