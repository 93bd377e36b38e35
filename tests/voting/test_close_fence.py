"""The close fence (services/voting/gates.py): submissions racing a close.

Many voters submit at once while the session closes. Afterwards every ballot the API
accepted (200) is in the final count and tallies at the version it was accepted at,
every refusal is a clear problem+json, and nothing stored changes after the close
returned, however long the submissions in flight take to finish.
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

import httpx
from pymongo import AsyncMongoClient

from tests.helpers import auth
from tests.voting.support import (
    VOTING_DB,
    allocation,
    create_session,
    ids,
    published,
    put_ballot,
    recount,
    stored_ballots,
    unique,
)

VOTERS = 160
IN_FLIGHT = 48  # connections; more only measures how SecantusDB copes with overload


async def test_every_accepted_ballot_is_counted_and_nothing_changes_after_close(
    api: httpx.AsyncClient, mongo: AsyncMongoClient[Any]
) -> None:
    owner = "fence~strategist"
    session = await create_session(api, owner=owner, proposals=6, green=6, red=3)
    proposals, (green, red) = ids(session)
    rng = random.Random(7)
    voters = [unique("racer") for _ in range(VOTERS)]
    accepted: dict[str, int] = {}  # voter -> version the API acknowledged
    refusals: list[httpx.Response] = []
    quarter_in = asyncio.Event()  # a quarter of the voters are in: close now

    async def submit_once(client: httpx.AsyncClient, voter: str,
                          body: list[dict[str, Any]]) -> httpx.Response:
        """One submission; a dropped connection is retried with the same key, so its
        outcome is known (the replay answers the first result)."""
        key = {"Idempotency-Key": unique("fence")}
        for _ in range(5):
            try:
                return await put_ballot(client, session, voter, body, **key)
            except httpx.TransportError:
                await asyncio.sleep(0.2)
        raise AssertionError("the gateway dropped five connections in a row")

    async def submit(client: httpx.AsyncClient, voter: str) -> None:
        for _ in range(3):  # first ballot and two replacements, racing the close
            body = [allocation(rng.choice(proposals), green, rng.randint(1, 6)),
                    allocation(rng.choice(proposals[:1]), red, rng.randint(1, 3))]
            if body[0]["proposal_id"] == body[1]["proposal_id"]:
                body = body[:1]
            reply = await submit_once(client, voter, body)
            if reply.status_code == 200:
                accepted[voter] = max(accepted.get(voter, 0), reply.json()["version"])
                if len(accepted) >= VOTERS // 4:
                    quarter_in.set()
            else:
                refusals.append(reply)

    async def close_midway(client: httpx.AsyncClient) -> httpx.Response:
        await quarter_in.wait()
        for _ in range(5):  # close is idempotent: a timed-out close is finished by the next
            reply = await client.post(f"/v1/vote-sessions/{session['id']}/close",
                                      headers=auth(owner))
            if reply.status_code != 503:
                break
        return reply

    limits = httpx.Limits(max_connections=IN_FLIGHT)
    async with httpx.AsyncClient(base_url=str(api.base_url), timeout=120,
                                 limits=limits) as many:
        submissions = asyncio.gather(*(submit(many, voter) for voter in voters))
        async with httpx.AsyncClient(base_url=str(api.base_url), timeout=120) as chair:
            close_reply = await close_midway(chair)
        assert close_reply.status_code == 200, close_reply.text
        at_close = {b["voter_id"]: b for b in await stored_ballots(mongo, session["id"])}
        await submissions

    assert refusals, "the close did not race any submission; the test proves nothing"
    for refused in refusals:
        assert refused.status_code == 409, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert "closed" in refused.json()["detail"]

    stored = {b["voter_id"]: b for b in await stored_ballots(mongo, session["id"])}
    assert stored == at_close, "a ballot changed after the close returned"
    assert {v: b["version"] for v, b in stored.items()} == accepted
    audits = await mongo[VOTING_DB]["ballot_versions"].count_documents(
        {"session_id": session["id"]})
    assert audits == sum(accepted.values())

    final = close_reply.json()
    assert final["status"] == "closed"
    assert final["ballot_count"] == len(accepted)
    results = (await api.get(f"/v1/vote-sessions/{session['id']}/results")).json()
    assert results["final"] is True
    assert published(results) == recount(list(stored.values()))
