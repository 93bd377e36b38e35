"""Ballots through the gateway: submit, replace, versions, idempotency, remaining tokens,
and one voter's 200 simultaneous conflicting submissions."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from pymongo import AsyncMongoClient

from tests.helpers import auth
from tests.voting.support import (
    VOTING_DB,
    allocation,
    assert_within_rules,
    create_session,
    ids,
    put_ballot,
    stored_ballots,
    unique,
)


async def test_a_ballot_is_replaced_whole_versioned_and_audited(
    api: httpx.AsyncClient, mongo: AsyncMongoClient[Any]
) -> None:
    session = await create_session(api)
    (p0, p1, p2, _), (green, red) = ids(session)
    voter = unique("voter")
    empty = (await api.get(f"/v1/vote-sessions/{session['id']}/ballot", headers=auth(voter)))
    assert empty.json()["version"] == 0
    assert empty.json()["remaining"] == {green: 5, red: 3}

    first = await put_ballot(api, session, voter, [allocation(p0, green, 3),
                                                   allocation(p1, red, 1)])
    assert first.status_code == 200, first.text
    assert first.json()["version"] == 1
    assert first.headers["etag"] == '"1"'
    assert first.json()["remaining"] == {green: 2, red: 2}

    second = await put_ballot(api, session, voter, [allocation(p2, green, 5)])
    assert second.json()["version"] == 2
    mine = (await api.get(f"/v1/vote-sessions/{session['id']}/ballot", headers=auth(voter)))
    assert mine.json()["allocations"] == [allocation(p2, green, 5)]
    assert mine.json()["remaining"] == {green: 0, red: 3}

    audit = await mongo[VOTING_DB]["ballot_versions"].find(
        {"session_id": session["id"], "voter_id": voter}).sort("version").to_list()
    assert [a["version"] for a in audit] == [1, 2]
    assert audit[0]["allocations"][0]["tokens"] == 3


async def test_the_same_idempotency_key_returns_the_first_result(api: httpx.AsyncClient) -> None:
    session = await create_session(api)
    (p0, p1, *_), (green, _red) = ids(session)
    voter = unique("voter")
    key = {"Idempotency-Key": unique("key")}
    first = await put_ballot(api, session, voter, [allocation(p0, green, 2)], **key)
    again = await put_ballot(api, session, voter, [allocation(p0, green, 2)], **key)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    other = await put_ballot(api, session, voter, [allocation(p1, green, 2)], **key)
    assert other.status_code == 422, other.text
    mine = await api.get(f"/v1/vote-sessions/{session['id']}/ballot", headers=auth(voter))
    assert mine.json()["version"] == 1


async def test_if_match_replaces_only_the_expected_version(api: httpx.AsyncClient) -> None:
    session = await create_session(api)
    (p0, *_), (green, _red) = ids(session)
    voter = unique("voter")
    at_zero = {"If-Match": '"0"'}
    created = await put_ballot(api, session, voter, [allocation(p0, green, 1)], **at_zero)
    assert created.status_code == 200, created.text
    stale = await put_ballot(api, session, voter, [allocation(p0, green, 4)], **at_zero)
    assert stale.status_code == 409
    assert stale.headers["content-type"] == "application/problem+json"
    fresh = await put_ballot(api, session, voter, [allocation(p0, green, 4)], **{"If-Match": '"1"'})
    assert fresh.json()["version"] == 2


async def test_a_shuffling_session_shows_each_voter_a_stable_order_of_their_own(
    api: httpx.AsyncClient,
) -> None:
    session = await create_session(api, proposals=12, shuffle_proposals=True)
    assert session["shuffle_proposals"] is True

    async def order(voter: str) -> list[str]:
        reply = await api.get(f"/v1/vote-sessions/{session['id']}", headers=auth(voter))
        return [p["id"] for p in reply.json()["proposals"]]

    alice = await order("alice")
    assert alice == await order("alice")
    assert sorted(alice) == sorted(ids(session)[0])
    others = [await order(f"voter{i}") for i in range(5)]
    assert any(o != alice for o in others)
    anonymous = await api.get(f"/v1/vote-sessions/{session['id']}")
    assert [p["id"] for p in anonymous.json()["proposals"]] == ids(session)[0]  # as given


async def test_200_simultaneous_submissions_by_one_voter_leave_one_coherent_ballot(
    api: httpx.AsyncClient, mongo: AsyncMongoClient[Any]
) -> None:
    session = await create_session(api, proposals=10, green=10, red=10)
    proposals, (green, red) = ids(session)
    voter = unique("hammer")

    def candidate(i: int) -> list[dict[str, Any]]:
        # Each request alone is within budget; any two merged would not be.
        first, second = proposals[i % 10], proposals[(i + 3) % 10]
        return [allocation(first, green, 10), allocation(second, red, 10)]

    limits = httpx.Limits(max_connections=200)
    async with httpx.AsyncClient(base_url=str(api.base_url), timeout=60, limits=limits) as many:
        replies = await asyncio.gather(
            *(put_ballot(many, session, voter, candidate(i)) for i in range(200)))
    statuses = [r.status_code for r in replies]
    accepted = [r.json() for r in replies if r.status_code == 200]
    assert set(statuses) <= {200, 409, 429}, statuses
    assert accepted, statuses
    for refused in (r for r in replies if r.status_code != 200):
        assert refused.headers["content-type"] == "application/problem+json"

    ballots = await stored_ballots(mongo, session["id"])
    assert len(ballots) == 1
    (ballot,) = ballots
    assert_within_rules(ballot, session)
    versions = sorted(a["version"] for a in accepted)
    assert versions == list(range(1, len(accepted) + 1))  # each accepted once, in turn
    assert ballot["version"] == len(accepted)
    last = next(a for a in accepted if a["version"] == ballot["version"])
    assert ballot["allocations"] == last["allocations"]
    audit = await mongo[VOTING_DB]["ballot_versions"].count_documents(
        {"session_id": session["id"]})
    assert audit == len(accepted)
