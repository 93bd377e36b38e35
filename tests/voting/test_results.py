"""Results: hidden until close (or live when allowed), equal to a recount of the stored
ballots, exported as JSON and CSV, published with a digest and the closing event, and
each voter's receipt verifiable offline."""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import json
from typing import Any

import httpx
from nats.aio.client import Client as NatsClient
from pymongo import AsyncMongoClient

from agora.v1 import voting_pb2
from agora_kit.events.envelope import parse_envelope
from services.voting.merkle import Step, verify_proof
from tests.helpers import auth
from tests.voting.support import (
    allocation,
    create_session,
    ids,
    prioritising,
    published,
    put_ballot,
    recount,
    session_body,
    sessions_url,
    stored_ballots,
    unique,
)

CHAIR = auth("chair", "strategist")


async def vote_a_little(api: httpx.AsyncClient, session: dict[str, Any]) -> list[str]:
    proposals, (green, red) = ids(session)
    voters = [unique("v") for _ in range(5)]
    for i, voter in enumerate(voters):
        reply = await put_ballot(
            api,
            session,
            voter,
            [
                allocation(proposals[i % 4], green, 1 + i % 5),
                allocation(proposals[(i + 1) % 4], red, 1 + i % 3),
            ],
        )
        assert reply.status_code == 200, reply.text
    return voters


async def test_results_are_hidden_until_close_then_final_and_equal_to_a_recount(
    api: httpx.AsyncClient, mongo: AsyncMongoClient[Any]
) -> None:
    session = await create_session(api, owner="chair~strategist")
    voters = await vote_a_little(api, session)
    hidden = await api.get(f"/v1/vote-sessions/{session['id']}/results")
    assert hidden.status_code == 409
    assert hidden.headers["content-type"] == "application/problem+json"
    assert "hidden" in hidden.json()["detail"]

    closed = await api.post(
        f"/v1/vote-sessions/{session['id']}/close", headers=auth("chair", "strategist")
    )
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed"
    assert closed.json()["ballot_count"] == len(voters)
    results = (await api.get(f"/v1/vote-sessions/{session['id']}/results")).json()
    assert results["final"] is True
    assert results["results_digest"] == closed.json()["results_digest"]
    assert published(results) == recount(await stored_ballots(mongo, session["id"]))
    # Ranks: within each category, by tokens descending.
    for category in ids(session)[1]:
        rows = sorted(
            (t for t in results["tallies"] if t["category_id"] == category), key=lambda t: t["rank"]
        )
        assert [t["tokens"] for t in rows] == sorted((t["tokens"] for t in rows), reverse=True)

    again = await api.post(
        f"/v1/vote-sessions/{session['id']}/close", headers=auth("chair", "strategist")
    )
    assert again.json()["results_digest"] == closed.json()["results_digest"]


async def test_live_results_when_the_session_allows_them(
    api: httpx.AsyncClient, mongo: AsyncMongoClient[Any]
) -> None:
    session = await create_session(api, live=True)
    await vote_a_little(api, session)
    live = await api.get(f"/v1/vote-sessions/{session['id']}/results")
    assert live.status_code == 200, live.text
    assert live.json()["final"] is False
    assert live.json()["results_digest"] is None
    assert published(live.json()) == recount(await stored_ballots(mongo, session["id"]))


async def test_csv_export_matches_the_json_results(api: httpx.AsyncClient) -> None:
    session = await create_session(api, owner="chair~strategist")
    await vote_a_little(api, session)
    await api.post(f"/v1/vote-sessions/{session['id']}/close", headers=auth("chair", "strategist"))
    results = (await api.get(f"/v1/vote-sessions/{session['id']}/results")).json()
    exported = await api.get(f"/v1/vote-sessions/{session['id']}/results.csv")
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    assert exported.headers["x-results-digest"] == results["results_digest"]
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert len(rows) == len(results["tallies"]) == 4 * 2
    by_cell = {
        (r["proposal_id"], r["category_id"]): (int(r["tokens"]), int(r["voters"])) for r in rows
    }
    assert by_cell == {
        (t["proposal_id"], t["category_id"]): (t["tokens"], t["voters"]) for t in results["tallies"]
    }
    assert {r["proposal_title"] for r in rows} == {f"Proposal {i}" for i in range(4)}


async def test_every_voter_can_verify_their_ballot_is_in_the_published_root(
    api: httpx.AsyncClient,
) -> None:
    session = await create_session(api, owner="chair~strategist")
    voters = await vote_a_little(api, session)
    closed = (
        await api.post(
            f"/v1/vote-sessions/{session['id']}/close", headers=auth("chair", "strategist")
        )
    ).json()
    for voter in voters:
        receipt = (
            await api.get(f"/v1/vote-sessions/{session['id']}/receipt", headers=auth(voter))
        ).json()
        mine = (
            await api.get(f"/v1/vote-sessions/{session['id']}/ballot", headers=auth(voter))
        ).json()
        leaf = json.loads(receipt["leaf"])
        assert leaf["voter"] == receipt["voter_pseudonym"] != voter
        assert sorted(leaf["allocations"]) == sorted(
            [a["proposal_id"], a["category_id"], a["tokens"]] for a in mine["allocations"]
        )
        steps = [Step(s["hash"], s["left"]) for s in receipt["proof"]]
        assert receipt["merkle_root"] == closed["merkle_root"]
        assert verify_proof(receipt["leaf"], steps, closed["merkle_root"])
        # The digest binds the root to the announced tallies.
        expected = hashlib.sha256(
            f"{receipt['merkle_root']}\n{receipt['announced']}".encode()
        ).hexdigest()
        assert expected == closed["results_digest"]
        # A changed ballot does not verify.
        forged = receipt["leaf"].replace(str(mine["allocations"][0]["tokens"]), "9", 1)
        assert not verify_proof(forged, steps, closed["merkle_root"])
    outsider = await api.get(
        f"/v1/vote-sessions/{session['id']}/receipt", headers=auth(unique("nobody"))
    )
    assert outsider.status_code == 404


async def test_receipts_are_stored_at_close_not_recomputed_from_ballots(
    api: httpx.AsyncClient, mongo: AsyncMongoClient[Any]
) -> None:
    session = await create_session(api, owner="chair~strategist")
    voters = await vote_a_little(api, session)
    closed = (await api.post(f"/v1/vote-sessions/{session['id']}/close",
                             headers=auth("chair", "strategist"))).json()
    stored = await mongo["agora_voting"]["receipts"].count_documents(
        {"session_id": session["id"]})
    assert stored == len(voters)
    # Remove the ballots behind the service's back: receipts must not need them.
    await mongo["agora_voting"]["ballots"].delete_many({"session_id": session["id"]})
    for voter in voters:
        receipt = (await api.get(f"/v1/vote-sessions/{session['id']}/receipt",
                                 headers=auth(voter))).json()
        steps = [Step(s["hash"], s["left"]) for s in receipt["proof"]]
        assert verify_proof(receipt["leaf"], steps, closed["merkle_root"])


async def test_closing_publishes_the_final_results_as_an_event(
    api: httpx.AsyncClient, nc: NatsClient
) -> None:
    session = await create_session(api, owner="chair~strategist")
    await vote_a_little(api, session)
    received: asyncio.Queue[bytes] = asyncio.Queue()

    async def on_message(message: Any) -> None:
        await received.put(message.data)

    subscription = await nc.subscribe("agora.*.vote_session.closed", cb=on_message)
    closed = (
        await api.post(
            f"/v1/vote-sessions/{session['id']}/close", headers=auth("chair", "strategist")
        )
    ).json()
    try:
        while True:
            envelope = parse_envelope(await asyncio.wait_for(received.get(), 20))
            event = voting_pb2.VoteSessionClosed()
            envelope.payload.Unpack(event)
            if event.session_id == session["id"]:
                break
    finally:
        await subscription.unsubscribe()
    assert envelope.type == "vote_session.closed"
    assert event.results_digest == closed["results_digest"]
    assert event.ballot_count == 5
    assert sum(t.tokens for t in event.tallies) > 0


TITLES = [{"en": "Bike lanes", "fr": "Pistes cyclables"}, {"en": "Night buses"},
          {"en": "Car-free Sundays", "fr": "Dimanches sans voiture"},
          {"en": "Tram to the port", "fr": "Tram vers le port"}]


async def titled_session(api: httpx.AsyncClient, **options: Any) -> dict[str, Any]:
    """Closed, four proposals with titles in en (and mostly fr), two ballots cast."""
    consultation_id = await prioritising(api)
    body = session_body(**options)
    body["proposals"] = [{"title": title} for title in TITLES]
    created = await api.post(sessions_url(consultation_id), json=body, headers=CHAIR)
    assert created.status_code == 201, created.text
    base = f"/v1/vote-sessions/{created.json()['id']}"
    session = (await api.post(f"{base}/open", headers=CHAIR)).json()
    (p0, p1, *_), (green, red) = ids(session)
    for voter in ("ana", "ben"):
        reply = await put_ballot(api, session, unique(voter),
                                 [allocation(p1, green, 2), allocation(p0, red, 1)])
        assert reply.status_code == 200, reply.text
    assert (await api.post(f"{base}/close", headers=CHAIR)).status_code == 200
    return dict(session)


async def test_results_name_proposals_and_categories_in_the_readers_language(
    api: httpx.AsyncClient,
) -> None:
    session = await titled_session(api)
    base = f"/v1/vote-sessions/{session['id']}"
    (p0, p1, *_), (green, red) = ids(session)
    french = ({"params": {"lang": "fr"}},
              {"headers": {"Accept-Language": "fr-CH, fr;q=0.9, en;q=0.8"}})
    for how in french:
        reply = await api.get(f"{base}/results", **how)  # type: ignore[arg-type]
        assert reply.status_code == 200, reply.text
        results = reply.json()
        assert results["language"] == "fr"
        rows = {(t["proposal_id"], t["category_id"]): t for t in results["tallies"]}
        assert rows[(p0, green)]["proposal_title"] == "Pistes cyclables"
        assert rows[(p1, green)]["proposal_title"] == "Night buses"  # no fr: the first language
        assert rows[(p0, green)]["category_name"] == "À prendre en compte"
        assert rows[(p0, red)]["category_name"] == "Low potential"
    for how in ({}, {"headers": {"Accept-Language": "de"}}, {"params": {"lang": "de"}}):
        english = (await api.get(f"{base}/results", **how)).json()  # type: ignore[arg-type]
        assert english["language"] == "en"  # the consultation's first language
        assert {t["proposal_title"] for t in english["tallies"]} == {t["en"] for t in TITLES}

    exported = await api.get(f"{base}/results.csv", params={"lang": "fr"})
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-language"] == "fr"
    rows_csv = list(csv.DictReader(io.StringIO(exported.text)))
    assert {r["proposal_title"] for r in rows_csv} == {
        "Pistes cyclables", "Night buses", "Dimanches sans voiture", "Tram vers le port"}
    assert {r["category_name"] for r in rows_csv} == {"À prendre en compte", "Low potential"}
    # The originals stay available: the session carries every language of every text.
    original = (await api.get(base, params={"lang": "fr"})).json()
    assert [p["title"] for p in original["proposals"]] == TITLES
    assert original["languages"] == ["en", "fr"]
    bad = await api.get(f"{base}/results", params={"lang": "not a language"})
    assert bad.status_code == 422, bad.text


async def test_proposals_keep_the_strategists_order_and_ties_share_a_rank(
    api: httpx.AsyncClient,
) -> None:
    session = await titled_session(api)
    base = f"/v1/vote-sessions/{session['id']}"
    (p0, p1, p2, p3), (green, red) = ids(session)
    for reader in ({}, auth(unique("voter")), auth(unique("voter"))):
        seen = (await api.get(base, headers=reader)).json()
        assert [p["title"] for p in seen["proposals"]] == TITLES, reader
        assert seen["shuffle_proposals"] is False
    results = (await api.get(f"{base}/results")).json()
    green_rows = [(t["proposal_id"], t["rank"]) for t in results["tallies"]
                  if t["category_id"] == green]
    assert green_rows == [(p1, 1), (p0, 2), (p2, 2), (p3, 2)]  # ties in the given order
    red_rows = [(t["proposal_id"], t["rank"]) for t in results["tallies"]
                if t["category_id"] == red]
    assert red_rows == [(p0, 1), (p1, 2), (p2, 2), (p3, 2)]
    exported = list(csv.DictReader(io.StringIO(
        (await api.get(f"{base}/results.csv")).text)))
    assert [(r["proposal_id"], int(r["rank"])) for r in exported][:4] == green_rows
