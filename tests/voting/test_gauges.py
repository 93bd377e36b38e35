"""Gauge votes: per-proposal scale questions answered in the ballot, with averages and
distributions in the results and inside the verifiable leaves."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.helpers import auth
from tests.voting.support import (
    allocation,
    ids,
    prioritising,
    session_body,
    sessions_url,
    unique,
)

Json = dict[str, Any]


@pytest.fixture
async def session(api: httpx.AsyncClient) -> Json:
    body = session_body(proposals=3, live=True)
    body["proposals"][0]["gauges"] = [
        {
            "question": {"en": "How feasible?"},
            "choices": [
                {"label": {"en": "Hardly"}},
                {"label": {"en": "Maybe"}},
                {"label": {"en": "Surely"}},
            ],
        }
    ]
    body["proposals"][1]["gauges"] = [
        {"question": {"en": "Budget?"}, "min": 0, "max": 100, "unit": "k€"}
    ]
    reply = await api.post(sessions_url(await prioritising(api)), json=body,
                           headers=auth("chair", "strategist"))
    assert reply.status_code == 201, reply.text
    opened = await api.post(
        f"/v1/vote-sessions/{reply.json()['id']}/open", headers=auth("chair", "strategist")
    )
    created: Json = opened.json()
    return created


def gauge_ids(session: Json) -> tuple[str, str]:
    return session["proposals"][0]["gauges"][0]["id"], session["proposals"][1]["gauges"][0]["id"]


async def answer(
    api: httpx.AsyncClient, session: Json, voter: str, answers: list[Json]
) -> httpx.Response:
    (p0, *_), (green, _red) = ids(session)
    return await api.put(
        f"/v1/vote-sessions/{session['id']}/ballot",
        json={"allocations": [allocation(p0, green, 1)], "gauge_answers": answers},
        headers=auth(voter),
    )


async def test_gauge_answers_give_averages_and_distributions(
    api: httpx.AsyncClient, session: Json
) -> None:
    (p0, p1, p2), _ = ids(session)
    feasible, budget = gauge_ids(session)
    assert session["proposals"][0]["gauges"][0]["choices"][2] == {"en": "Surely"}
    assert session["proposals"][1]["gauges"][0]["unit"] == "k€"
    for choice, amount in ((2, 10), (2, 30), (0, 50)):
        reply = await answer(
            api,
            session,
            unique("g"),
            [
                {"proposal_id": p0, "gauge_id": feasible, "value": choice},
                {"proposal_id": p1, "gauge_id": budget, "value": amount},
            ],
        )
        assert reply.status_code == 200, reply.text
        assert len(reply.json()["gauge_answers"]) == 2
    results = (await api.get(f"/v1/vote-sessions/{session['id']}/results")).json()
    by_gauge = {g["gauge_id"]: g for g in results["gauges"]}
    assert by_gauge[feasible]["answers"] == 3
    assert by_gauge[feasible]["distribution"] == {"0": 1, "2": 2}
    assert by_gauge[feasible]["average"] == pytest.approx(4 / 3)
    assert by_gauge[budget]["average"] == pytest.approx(30)
    assert p2 not in {g["proposal_id"] for g in results["gauges"]}

    await api.post(f"/v1/vote-sessions/{session['id']}/close", headers=auth("chair", "strategist"))
    voter = unique("g")  # a late voter has no receipt; an early one sees their answers
    assert (
        await api.get(f"/v1/vote-sessions/{session['id']}/receipt", headers=auth(voter))
    ).status_code == 404


async def test_the_receipt_leaf_carries_the_gauge_answers(
    api: httpx.AsyncClient, session: Json
) -> None:
    (p0, *_), _ = ids(session)
    feasible, _budget = gauge_ids(session)
    voter = unique("g")
    await answer(api, session, voter, [{"proposal_id": p0, "gauge_id": feasible, "value": 1}])
    await api.post(f"/v1/vote-sessions/{session['id']}/close", headers=auth("chair", "strategist"))
    receipt = (
        await api.get(f"/v1/vote-sessions/{session['id']}/receipt", headers=auth(voter))
    ).json()
    assert json.loads(receipt["leaf"])["gauges"] == [[p0, feasible, 1]]
    assert json.loads(receipt["announced"])["gauges"][0][:4] == [p0, feasible, 1, 1]


@pytest.mark.parametrize(
    "case",
    ["out of range", "unknown gauge", "another proposal's gauge", "twice", "below a numeric scale"],
)
async def test_bad_gauge_answers_are_refused_and_change_nothing(
    case: str, api: httpx.AsyncClient, session: Json
) -> None:
    (p0, p1, _p2), _ = ids(session)
    feasible, budget = gauge_ids(session)
    voter = unique("g")
    first = await answer(api, session, voter, [])
    bad = {
        "out of range": [{"proposal_id": p0, "gauge_id": feasible, "value": 3}],
        "unknown gauge": [{"proposal_id": p0, "gauge_id": "f" * 24, "value": 1}],
        "another proposal's gauge": [{"proposal_id": p0, "gauge_id": budget, "value": 1}],
        "twice": [{"proposal_id": p0, "gauge_id": feasible, "value": 1}] * 2,
        "below a numeric scale": [{"proposal_id": p1, "gauge_id": budget, "value": -1}],
    }[case]
    reply = await answer(api, session, voter, bad)
    assert reply.status_code == 422, reply.text
    assert reply.headers["content-type"] == "application/problem+json"
    assert reply.json()["errors"][0]["field"].startswith("gauge_answers.")
    now = await api.get(f"/v1/vote-sessions/{session['id']}/ballot", headers=auth(voter))
    assert now.json() == first.json()
