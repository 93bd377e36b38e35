"""Helpers for the voting tests: sessions and ballots through the public API, and an
independent recomputation of tallies straight from the voting service's database."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import httpx
from pymongo import AsyncMongoClient

from tests.debate import STRATEGIST, phased
from tests.helpers import auth

VOTING_DB = "agora_voting"
Json = dict[str, Any]


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


async def prioritising(api: httpx.AsyncClient) -> str:
    """A consultation brought into its prioritisation phase the way a strategist does it:
    scheduled in deepening, then advanced through the phase-change route."""
    consultation = await phased(api, "deepening")
    advanced = await api.post(f"/v1/consultations/{consultation['id']}/phase-changes",
                              json={"change": "advance"}, headers=STRATEGIST)
    assert advanced.status_code == 200, advanced.text
    assert advanced.json()["current_phase"] == "prioritisation"
    return str(consultation["id"])


def sessions_url(consultation_id: str) -> str:
    return f"/v1/consultations/{consultation_id}/vote-sessions"


def session_body(*, proposals: int = 4, green: int = 5, red: int = 3, cap: int = 0,
                 exclusive: bool = True, live: bool = False, **extra: Any) -> Json:
    return {
        "instructions": {"en": "Place your tokens", "fr": "Placez vos jetons"},
        "categories": [
            {"name": {"en": "To take into account", "fr": "À prendre en compte"},
             "color": "#2e7d32", "total_number": green, "max_per_proposal": cap},
            {"name": {"en": "Low potential"}, "color": "#c62828", "total_number": red},
        ],
        "exclusive_categories": exclusive,
        "live_results": live,
        "proposals": [{"title": {"en": f"Proposal {i}"}, "description": {"en": "Why"}}
                      for i in range(proposals)],
        **extra,
    }


async def create_session(api: httpx.AsyncClient, *, owner: str = "facilitator~strategist",
                         open_it: bool = True, consultation_id: str | None = None,
                         **options: Any) -> Json:
    consultation_id = consultation_id or await prioritising(api)
    reply = await api.post(sessions_url(consultation_id), json=session_body(**options),
                           headers=auth(owner))
    assert reply.status_code == 201, reply.text
    session: Json = reply.json()
    if open_it:
        opened = await api.post(f"/v1/vote-sessions/{session['id']}/open", headers=auth(owner))
        assert opened.status_code == 200, opened.text
        session = opened.json()
    return session


def ids(session: Json) -> tuple[list[str], list[str]]:
    """(proposal ids in creation order, category ids)."""
    return [p["id"] for p in session["proposals"]], [c["id"] for c in session["categories"]]


def allocation(proposal: str, category: str, tokens: int) -> Json:
    return {"proposal_id": proposal, "category_id": category, "tokens": tokens}


async def put_ballot(api: httpx.AsyncClient, session: Json, voter: str,
                     allocations: Sequence[Json], **headers: str) -> httpx.Response:
    return await api.put(f"/v1/vote-sessions/{session['id']}/ballot",
                         json={"allocations": list(allocations)},
                         headers={**auth(voter), **headers})


async def stored_ballots(mongo: AsyncMongoClient[Any], session_id: str) -> list[Json]:
    found: list[Json] = await mongo[VOTING_DB]["ballots"].find({"session_id": session_id}) \
        .to_list()
    return found


def recount(ballots: Sequence[Json]) -> dict[tuple[str, str], tuple[int, int]]:
    """(proposal, category) -> (tokens, voters), written independently of the service."""
    cells: dict[tuple[str, str], tuple[int, int]] = {}
    for ballot in ballots:
        for a in ballot["allocations"]:
            tokens, voters = cells.get((a["proposal_id"], a["category_id"]), (0, 0))
            cells[(a["proposal_id"], a["category_id"])] = (tokens + a["tokens"],
                                                           voters + (a["tokens"] > 0))
    return {cell: value for cell, value in cells.items() if value[0] > 0}


def published(results: Json) -> dict[tuple[str, str], tuple[int, int]]:
    return {(t["proposal_id"], t["category_id"]): (t["tokens"], t["voters"])
            for t in results["tallies"] if t["tokens"] > 0}


def assert_within_rules(ballot: Json, session: Json) -> None:
    """Budget per category, cap per proposal and exclusivity hold for one stored ballot."""
    rules = {c["id"]: c for c in session["categories"]}
    spent = dict.fromkeys(rules, 0)
    on: dict[str, set[str]] = {}
    for a in ballot["allocations"]:
        rule = rules[a["category_id"]]
        assert 0 <= a["tokens"] <= (rule["max_per_proposal"] or rule["total_number"])
        spent[a["category_id"]] += a["tokens"]
        if a["tokens"] > 0:
            on.setdefault(a["proposal_id"], set()).add(a["category_id"])
    assert all(spent[c] <= rules[c]["total_number"] for c in rules), spent
    if session["exclusive_categories"]:
        assert all(len(categories) == 1 for categories in on.values()), on
