"""A close finishes even when nobody waits for it (services/voting/results.py).

Counting a large session can outlast the caller's deadline; the count must go on and
publish the results. A replica that stopped half way through a close leaves the session
`closing`; another replica must finish it.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import httpx
from pymongo import AsyncMongoClient

from agora.v1 import voting_pb2, voting_pb2_grpc
from devstack.stack import Stack
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

OWNER = "closer~strategist"


async def voted_session(api: httpx.AsyncClient, voters: int) -> dict[str, Any]:
    session = await create_session(api, owner=OWNER)
    proposals, (green, _red) = ids(session)
    for i in range(voters):
        reply = await put_ballot(api, session, unique("voter"),
                                 [allocation(proposals[i % len(proposals)], green, 1 + i % 4)])
        assert reply.status_code == 200, reply.text
    return session


async def closed_eventually(api: httpx.AsyncClient, session_id: str,
                            seconds: float = 30) -> dict[str, Any]:
    for _ in range(int(seconds * 4)):
        reply = await api.get(f"/v1/vote-sessions/{session_id}", headers=auth(OWNER))
        if reply.json()["status"] == "closed":
            return dict(reply.json())
        assert reply.json()["status"] == "closing", reply.text
        await asyncio.sleep(0.25)
    raise AssertionError(f"session {session_id} still not closed after {seconds} s")


async def test_a_close_whose_caller_gave_up_still_publishes_the_results(
    api: httpx.AsyncClient, stack: Stack, mongo: AsyncMongoClient[Any]
) -> None:
    session = await voted_session(api, voters=6)
    status_url = f"/v1/vote-sessions/{session['id']}"
    async with grpc.aio.insecure_channel(stack.config.address("voting")) as channel:
        stub = voting_pb2_grpc.VotingServiceStub(channel)
        # Shutting 2,048 gates and counting takes longer than this deadline. On a loaded
        # machine the deadline can also pass before the call reaches the servicer; then
        # nothing began (the session is still open) and the caller tries again, as a
        # real one would.
        for _ in range(5):
            try:
                await stub.CloseVoteSession(voting_pb2.ChangeVoteSessionRequest(
                    session_id=session["id"], actor_id="closer", actor_roles=["strategist"]),
                    timeout=0.2)
                outcome = "answered"
            except grpc.aio.AioRpcError as error:
                outcome = error.code().name
            assert outcome in ("answered", "DEADLINE_EXCEEDED")
            status = (await api.get(status_url, headers=auth(OWNER))).json()["status"]
            if status != "open":
                break
    assert status in ("closing", "closed")
    closed = await closed_eventually(api, session["id"])
    assert closed["ballot_count"] == 6
    results = (await api.get(f"/v1/vote-sessions/{session['id']}/results")).json()
    assert published(results) == recount(await stored_ballots(mongo, session["id"]))


async def test_a_close_left_half_done_by_a_stopped_replica_is_finished(
    api: httpx.AsyncClient, mongo: AsyncMongoClient[Any]
) -> None:
    session = await voted_session(api, voters=4)
    # What a replica leaves when it stops right after marking the session closing: the
    # gates still open, nothing counted, no results.
    await mongo[VOTING_DB]["vote_sessions"].update_one(
        {"_id": session["id"]},
        {"$set": {"status": "closing", "closed_by": "closer",
                  "closed_at": datetime.now(UTC) - timedelta(minutes=10)}})
    closed = await closed_eventually(api, session["id"])
    assert closed["ballot_count"] == 4
    assert closed["merkle_root"]
    assert await mongo[VOTING_DB]["vote_gates"].count_documents(
        {"session_id": session["id"], "open": True}) == 0
    voter_receipts = await mongo[VOTING_DB]["receipts"].count_documents(
        {"session_id": session["id"]})
    assert voter_receipts == 4
    again = await api.post(f"/v1/vote-sessions/{session['id']}/close", headers=auth(OWNER))
    assert again.status_code == 200
    assert again.json()["merkle_root"] == closed["merkle_root"]
