"""Bad ballots and wrong moments: each answered with problem+json, nothing changed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import httpx
import pytest
from pymongo import AsyncMongoClient

from agora.v1 import voting_pb2, voting_pb2_grpc
from devstack.stack import Stack
from tests.helpers import assert_problem, auth
from tests.voting.support import (
    VOTING_DB,
    allocation,
    create_session,
    ids,
    prioritising,
    put_ballot,
    session_body,
    sessions_url,
    unique,
)

Json = dict[str, Any]


async def assert_unchanged(
    api: httpx.AsyncClient, mongo: AsyncMongoClient[Any], session: Json, voter: str, before: Json
) -> None:
    now = await api.get(f"/v1/vote-sessions/{session['id']}/ballot", headers=auth(voter))
    assert now.json() == before
    audit = await mongo[VOTING_DB]["ballot_versions"].count_documents(
        {"session_id": session["id"], "voter_id": voter}
    )
    assert audit == before["version"]


@pytest.fixture
async def voted(api: httpx.AsyncClient) -> tuple[Json, str, Json]:
    """An open session (cap 3 green per proposal) where a voter has a first ballot."""
    session = await create_session(api, cap=3)
    (p0, *_), (green, _red) = ids(session)
    voter = unique("voter")
    reply = await put_ballot(api, session, voter, [allocation(p0, green, 2)])
    assert reply.status_code == 200
    return session, voter, reply.json()


Build = Callable[[list[str], str, str], list[Json]]
BAD_BODIES: dict[str, tuple[Build, int, str | None]] = {
    "negative": (lambda p, g, r: [allocation(p[0], g, -1)], 422, "allocations.0.tokens"),
    "float": (
        lambda p, g, r: [{"proposal_id": p[0], "category_id": g, "tokens": 1.5}],
        422,
        "allocations.0.tokens",
    ),
    "string": (
        lambda p, g, r: [{"proposal_id": p[0], "category_id": g, "tokens": "1"}],
        422,
        "allocations.0.tokens",
    ),
    "huge": (lambda p, g, r: [allocation(p[0], g, 10**30)], 422, "allocations.0.tokens"),
    "unknown proposal": (
        lambda p, g, r: [allocation("f" * 24, g, 1)],
        422,
        "allocations.0.proposal_id",
    ),
    "unknown category": (
        lambda p, g, r: [allocation(p[0], "f" * 24, 1)],
        422,
        "allocations.0.category_id",
    ),
    "over budget": (
        lambda p, g, r: [allocation(p[0], g, 3), allocation(p[1], g, 3)],
        422,
        "allocations",
    ),
    "over the per-proposal cap": (
        lambda p, g, r: [allocation(p[0], g, 4)],
        422,
        "allocations.0.tokens",
    ),
    "two categories on one proposal": (
        lambda p, g, r: [allocation(p[0], g, 1), allocation(p[0], r, 1)],
        422,
        "allocations.1.category_id",
    ),
    "the same cell twice": (
        lambda p, g, r: [allocation(p[0], g, 1), allocation(p[0], g, 1)],
        422,
        "allocations.1",
    ),
    "unknown field": (lambda p, g, r: [{**allocation(p[0], g, 1), "bonus": 1}], 422, None),
}


@pytest.mark.parametrize("case", BAD_BODIES)
async def test_a_bad_ballot_is_refused_and_changes_nothing(
    case: str,
    api: httpx.AsyncClient,
    mongo: AsyncMongoClient[Any],
    voted: tuple[Json, str, Json],
) -> None:
    session, voter, before = voted
    proposals, (green, red) = ids(session)
    build, status, field = BAD_BODIES[case]
    reply = await put_ballot(api, session, voter, build(proposals, green, red))
    assert_problem(reply, status, field)
    await assert_unchanged(api, mongo, session, voter, before)


async def test_the_service_itself_refuses_what_the_gateway_would_have_stopped(
    stack: Stack,
    api: httpx.AsyncClient,
    mongo: AsyncMongoClient[Any],
    voted: tuple[Json, str, Json],
) -> None:
    session, voter, before = voted
    (p0, *_), (green, _red) = ids(session)
    async with grpc.aio.insecure_channel(stack.config.address("voting")) as channel:
        stub = voting_pb2_grpc.VotingServiceStub(channel)
        for tokens in (-1, 2**62):
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await stub.SubmitBallot(
                    voting_pb2.SubmitBallotRequest(
                        session_id=session["id"],
                        actor_id=voter,
                        actor_roles=["participant"],
                        allocations=[
                            voting_pb2.Allocation(proposal_id=p0, category_id=green, tokens=tokens)
                        ],
                    ),
                    timeout=5,
                )
            assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    await assert_unchanged(api, mongo, session, voter, before)


async def test_a_closed_session_refuses_ballots(
    api: httpx.AsyncClient,
    mongo: AsyncMongoClient[Any],
    voted: tuple[Json, str, Json],
) -> None:
    session, voter, before = voted
    (_p0, p1, *_), (green, _red) = ids(session)
    closed = await api.post(
        f"/v1/vote-sessions/{session['id']}/close", headers=auth("facilitator", "strategist")
    )
    assert closed.status_code == 200
    reply = await put_ballot(api, session, voter, [allocation(p1, green, 1)])
    assert_problem(reply, 409)
    assert "closed" in reply.json()["detail"]
    await assert_unchanged(api, mongo, session, voter, before)
    assert_problem(
        await api.post(
            f"/v1/vote-sessions/{session['id']}/open", headers=auth("facilitator", "strategist")
        ),
        409,
    )


@pytest.mark.parametrize("when", ["draft", "before opens_at", "after closes_at"])
async def test_a_session_that_is_not_open_refuses_ballots(
    when: str, api: httpx.AsyncClient, mongo: AsyncMongoClient[Any]
) -> None:
    now = datetime.now(UTC)
    dates = {
        "draft": {},
        "before opens_at": {"opens_at": (now + timedelta(days=1)).isoformat()},
        "after closes_at": {"closes_at": (now + timedelta(seconds=2)).isoformat()},
    }[when]
    session = await create_session(api, open_it=when != "draft", **dates)
    if when == "after closes_at":  # a close in the past is refused at creation: wait for it
        await asyncio.sleep(max(0.0, (datetime.fromisoformat(dates["closes_at"])
                                      - datetime.now(UTC)).total_seconds()) + 0.1)
        session = (await api.get(f"/v1/vote-sessions/{session['id']}")).json()
    assert session["accepting_ballots"] is False
    (p0, *_), (green, _red) = ids(session)
    voter = unique("early")
    reply = await put_ballot(api, session, voter, [allocation(p0, green, 1)])
    assert_problem(reply, 409)
    assert await mongo[VOTING_DB]["ballots"].count_documents({"session_id": session["id"]}) == 0
    if when == "draft":
        assert_problem(
            await api.post(
                f"/v1/vote-sessions/{session['id']}/close",
                headers=auth("facilitator", "strategist"),
            ),
            409,
        )


async def test_nobody_reads_someone_elses_ballot(
    api: httpx.AsyncClient, voted: tuple[Json, str, Json]
) -> None:
    session, voter, before = voted
    intruder = unique("intruder")
    reply = await api.get(
        f"/v1/vote-sessions/{session['id']}/ballots/{voter}", headers=auth(intruder)
    )
    assert_problem(reply, 404)
    own = await api.get(f"/v1/vote-sessions/{session['id']}/ballots/{voter}", headers=auth(voter))
    assert own.json() == before
    theirs = await api.get(f"/v1/vote-sessions/{session['id']}/ballot", headers=auth(intruder))
    assert theirs.json()["version"] == 0
    assert theirs.json()["allocations"] == []


async def test_unknown_sessions_missing_tokens_and_bad_headers(
    api: httpx.AsyncClient, voted: tuple[Json, str, Json]
) -> None:
    session, voter, _before = voted
    for session_id in ("f" * 24, "not-an-id"):
        assert_problem(
            await api.get(f"/v1/vote-sessions/{session_id}/ballot", headers=auth(voter)), 404
        )
        assert_problem(
            await api.put(
                f"/v1/vote-sessions/{session_id}/ballot",
                json={"allocations": []},
                headers=auth(voter),
            ),
            404,
        )
    assert_problem(
        await api.put(f"/v1/vote-sessions/{session['id']}/ballot", json={"allocations": []}), 401
    )
    assert_problem(
        await put_ballot(api, session, voter, [], **{"If-Match": "soon"}), 422, "header.If-Match"
    )


def with_gauge(gauge: Json) -> Json:
    body = session_body()
    body["proposals"][0]["gauges"] = [gauge]
    return body


async def test_a_bad_session_configuration_is_refused(api: httpx.AsyncClient) -> None:
    bodies = [
        session_body(proposals=0),
        {**session_body(), "categories": []},
        {
            **session_body(),
            "categories": [{"name": {"en": "x"}, "color": "green", "total_number": 3}],
        },
        session_body(green=0),
        session_body(green=2, cap=3),
        session_body(opens_at="2030-01-02T00:00:00Z", closes_at="2030-01-01T00:00:00Z"),
        with_gauge({"question": {"en": "One choice?"}, "choices": [{"label": {"en": "Yes"}}]}),
        with_gauge({"question": {"en": "Empty scale?"}, "min": 5, "max": 5}),
    ]
    consultation_id = await prioritising(api)
    for body in bodies:
        reply = await api.post(
            sessions_url(consultation_id), json=body, headers=auth("facilitator", "strategist")
        )
        assert_problem(reply, 422)


async def test_sessions_with_past_or_empty_dates_or_foreign_languages_are_refused_by_field(
    api: httpx.AsyncClient, mongo: AsyncMongoClient[Any]
) -> None:
    """The consultation speaks en and fr (tests/debate.py): texts in another language, a
    close already past, or a close not after the opening name their field."""
    now = datetime.now(UTC)
    german = session_body()
    german["proposals"][1]["title"]["de"] = "Vorschlag"
    category = session_body()
    category["categories"][1]["name"] = {"de": "Geringes Potenzial"}
    instructions = session_body(instructions={"en": "Vote", "es": "Vota"})
    cases = [
        (session_body(closes_at=(now - timedelta(minutes=1)).isoformat()), "closes_at"),
        (session_body(opens_at=(now + timedelta(days=1)).isoformat(),
                      closes_at=(now + timedelta(days=1)).isoformat()), "closes_at"),
        (german, "proposals.1.title"),
        (category, "categories.1.name"),
        (instructions, "instructions"),
    ]
    consultation_id = await prioritising(api)
    for body, field in cases:
        reply = await api.post(sessions_url(consultation_id), json=body,
                               headers=auth("facilitator", "strategist"))
        assert_problem(reply, 422, field)
    assert await mongo[VOTING_DB]["vote_sessions"].count_documents(
        {"consultation_id": consultation_id}) == 0
