"""Random sequences of ballot submissions and replacements against the running stack,
some fired concurrently (same voter and different voters at once), then the invariants:
every stored ballot within budget, caps and exclusivity; each voter's ballot is their
last accepted one; refused submissions changed nothing; live and final tallies equal a
recount of the stored ballots."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pymongo import AsyncMongoClient

from devstack.stack import Stack
from tests.helpers import auth
from tests.voting.support import (
    VOTING_DB,
    assert_within_rules,
    create_session,
    ids,
    published,
    put_ballot,
    recount,
    stored_ballots,
    unique,
)

Json = dict[str, Any]
GREEN_BUDGET, RED_BUDGET, GREEN_CAP = 5, 3, 3

# (voter 0-3, [(proposal 0-4 or 5 = unknown, category 0-1 or 2 = unknown, tokens -1..4)])
submission = st.tuples(
    st.integers(0, 3),
    st.lists(st.tuples(st.integers(0, 5), st.integers(0, 2), st.integers(-1, 4)), max_size=6),
)
rounds = st.lists(st.lists(submission, min_size=1, max_size=5), min_size=1, max_size=4)


def build(session: Json, cells: list[tuple[int, int, int]]) -> list[Json]:
    proposals, categories = ids(session)
    return [{"proposal_id": [*proposals, "f" * 24][p],
             "category_id": [*categories, "e" * 24][c], "tokens": n} for p, c, n in cells]


def valid(cells: list[tuple[int, int, int]]) -> bool:
    """The rules, restated independently of the service's validation module."""
    if any(p == 5 or c == 2 or n < 0 for p, c, n in cells):
        return False
    if len({(p, c) for p, c, _ in cells}) != len(cells):
        return False
    spent = [sum(n for _, c, n in cells if c == k) for k in (0, 1)]
    if spent[0] > GREEN_BUDGET or spent[1] > RED_BUDGET:
        return False
    if any(n > GREEN_CAP for _, c, n in cells if c == 0):
        return False
    used = [p for p, _, n in cells if n > 0]
    return len(used) == len(set(used))  # exclusive categories


async def scenario(stack: Stack, plan: list[list[tuple[int, list[tuple[int, int, int]]]]]) -> None:
    owner, voters = unique("owner") + "~strategist", [unique("pv") for _ in range(4)]
    mongo: AsyncMongoClient[Any] = AsyncMongoClient(stack.config.mongo_uri, tz_aware=True)
    async with httpx.AsyncClient(base_url=stack.config.gateway_url, timeout=30) as api:
        try:
            session = await create_session(api, owner=owner, proposals=5, green=GREEN_BUDGET,
                                           red=RED_BUDGET, cap=GREEN_CAP, live=True)
            accepted: dict[str, list[Json]] = {v: [] for v in voters}
            for batch in plan:
                replies = await asyncio.gather(*(
                    put_ballot(api, session, voters[v], build(session, cells))
                    for v, cells in batch))
                same_voter_race = len({v for v, _ in batch}) < len(batch)
                for (v, cells), reply in zip(batch, replies, strict=True):
                    if reply.status_code == 200:
                        assert valid(cells), (cells, reply.json())
                        accepted[voters[v]].append(reply.json())
                    else:
                        assert reply.headers["content-type"] == "application/problem+json"
                        expected = 409 if valid(cells) and same_voter_race else 422
                        assert reply.status_code == expected, (cells, reply.text)
            await check(api, mongo, session, accepted)
        finally:
            await mongo.close()


async def check(api: httpx.AsyncClient, mongo: AsyncMongoClient[Any], session: Json,
                accepted: dict[str, list[Json]]) -> None:
    ballots = await stored_ballots(mongo, session["id"])
    for ballot in ballots:
        assert_within_rules(ballot, session)
        mine = accepted[ballot["voter_id"]]
        assert sorted(a["version"] for a in mine) == list(range(1, len(mine) + 1))
        last = max(mine, key=lambda a: a["version"])
        assert ballot["version"] == last["version"]
        assert ballot["allocations"] == last["allocations"]
        audit = await mongo[VOTING_DB]["ballot_versions"].count_documents(
            {"session_id": session["id"], "voter_id": ballot["voter_id"]})
        assert audit == ballot["version"]
    assert {b["voter_id"] for b in ballots} == {v for v, a in accepted.items() if a}
    live = (await api.get(f"/v1/vote-sessions/{session['id']}/results")).json()
    assert published(live) == recount(ballots)
    closed = await api.post(f"/v1/vote-sessions/{session['id']}/close",
                            headers=auth("closer", "strategist"))
    final = (await api.get(f"/v1/vote-sessions/{session['id']}/results")).json()
    assert final["final"] is True
    assert final["ballot_count"] == closed.json()["ballot_count"] == len(ballots)
    assert published(final) == recount(await stored_ballots(mongo, session["id"]))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=rounds)
def test_random_concurrent_submissions_keep_every_invariant(
    stack: Stack, plan: list[list[tuple[int, list[tuple[int, int, int]]]]]
) -> None:
    asyncio.run(scenario(stack, plan))
