"""Vote sessions belong to a consultation and its prioritisation phase (services/voting/
phases.py), and are created under the consultation's path, so that real strategists'
tokens pass the gateway's permission check there."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from pymongo import AsyncMongoClient

from tests.debate import OPERATOR, STRATEGIST, phased
from tests.helpers import auth, eventually
from tests.identity.support import new_account
from tests.voting.support import (
    VOTING_DB,
    allocation,
    create_session,
    ids,
    put_ballot,
    session_body,
    sessions_url,
    stored_ballots,
    unique,
)

CHAIR = auth("chair", "strategist")


def assert_wrong_phase(reply: httpx.Response) -> None:
    assert reply.status_code == 409, reply.text
    assert reply.headers["content-type"] == "application/problem+json"
    assert "wrong phase" in reply.json()["detail"]


async def accepting(api: httpx.AsyncClient, session: dict[str, Any]) -> bool:
    reply = await api.get(f"/v1/vote-sessions/{session['id']}", headers=CHAIR)
    return bool(reply.json()["accepting_ballots"])


async def test_a_session_opens_only_in_the_prioritisation_phase(
    api: httpx.AsyncClient, mongo: AsyncMongoClient[Any]
) -> None:
    consultation = await phased(api, "ideation")
    session = await create_session(api, consultation_id=consultation["id"], open_it=False,
                                   owner="chair~strategist")
    refused = await api.post(f"/v1/vote-sessions/{session['id']}/open", headers=CHAIR)
    assert_wrong_phase(refused)
    assert "ideation" in refused.json()["detail"]
    again = (await api.get(f"/v1/vote-sessions/{session['id']}", headers=CHAIR)).json()
    assert again["status"] == "draft"
    assert await mongo[VOTING_DB]["vote_gates"].count_documents(
        {"session_id": session["id"]}) == 0
    voter = unique("early")
    (p0, *_), (green, _red) = ids(session)
    assert (await put_ballot(api, session, voter, [allocation(p0, green, 1)])).status_code == 409


async def test_ballots_follow_the_phase_as_strategists_move_it(
    api: httpx.AsyncClient, mongo: AsyncMongoClient[Any]
) -> None:
    session = await create_session(api, owner="chair~strategist")
    (p0, p1, *_), (green, _red) = ids(session)
    voter = unique("voter")
    assert (await put_ballot(api, session, voter, [allocation(p0, green, 1)])).status_code == 200
    changes = f"/v1/consultations/{session['consultation_id']}/phase-changes"

    advanced = await api.post(changes, json={"change": "advance"}, headers=STRATEGIST)
    assert advanced.json()["current_phase"] == "deliverable"
    # The event reaches voting's read model through NATS within a few seconds.
    await eventually(lambda: accepting(api, session), lambda open_now: not open_now)
    assert_wrong_phase(await put_ballot(api, session, voter, [allocation(p1, green, 2)]))
    (stored,) = await stored_ballots(mongo, session["id"])
    assert (stored["version"], stored["allocations"]) == (1, [allocation(p0, green, 1)])

    ends_at = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    reopened = await api.post(changes, headers=STRATEGIST, json={
        "change": "reopen", "phase": "prioritisation", "ends_at": ends_at})
    assert reopened.status_code == 200, reopened.text
    await eventually(lambda: accepting(api, session), bool)
    accepted = await put_ballot(api, session, voter, [allocation(p1, green, 2)])
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["version"] == 2


async def test_a_session_of_an_unknown_consultation_is_404(api: httpx.AsyncClient) -> None:
    reply = await api.post(sessions_url("0" * 24), json=session_body(), headers=CHAIR)
    assert reply.status_code == 404, reply.text
    assert reply.headers["content-type"] == "application/problem+json"


async def test_a_real_strategist_token_creates_sessions_and_a_participant_cannot(
    api: httpx.AsyncClient, work_dir: Path
) -> None:
    """Identity-signed tokens (not development ones): roles come from grants in the
    consultation named by the creation path."""
    consultation = await phased(api, "prioritisation")
    strategist = await new_account(api, work_dir / "mail")
    participant = await new_account(api, work_dir / "mail")
    granted = await api.post(f"/v1/consultations/{consultation['id']}/roles", headers=OPERATOR,
                             json={"account_id": strategist.account_id, "role": "strategist"})
    assert granted.status_code == 201, granted.text

    url = sessions_url(consultation["id"])
    created = await api.post(url, json=session_body(), headers=strategist.headers)
    assert created.status_code == 201, created.text
    assert created.json()["consultation_id"] == consultation["id"]
    assert created.headers["location"] == f"/v1/vote-sessions/{created.json()['id']}"
    opened = await api.post(f"/v1/vote-sessions/{created.json()['id']}/open",
                            headers=strategist.headers)
    assert opened.status_code == 200, opened.text

    refused = await api.post(url, json=session_body(), headers=participant.headers)
    assert refused.status_code == 403, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
