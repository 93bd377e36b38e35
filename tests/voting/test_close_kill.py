"""A vote session's close survives its voting replica being killed mid-count.

A voting process of our own (its own database; phases from the shared threads service)
takes ballots, starts closing, and is killed with SIGKILL while the session is
`closing` and nothing is published. A second replica takes the close over once the dead
one's lease lapses: the session ends `closed` with every ballot counted, one receipt per
voter and exactly one `vote_session.closed` event.
"""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import grpc
from pymongo import AsyncMongoClient

from agora.v1 import voting_pb2, voting_pb2_grpc
from devstack import processes
from devstack.stack import Stack, StackConfig
from tests.voting.support import prioritising, recount

VOTERS = 40


def ballot(session: voting_pb2.VoteSession, i: int) -> list[voting_pb2.Allocation]:
    green = session.categories[0].id
    return [voting_pb2.Allocation(proposal_id=session.proposals[i % 3].id, category_id=green,
                                  tokens=1 + i % 3)]


async def test_a_close_whose_replica_is_killed_is_finished_by_another(
    api: Any, stack: Stack, mongo: AsyncMongoClient[Any], mongo_uri: str, nats_url: str,
    redis_url: str, work_dir: Path,
) -> None:
    database = f"agora_voting_kill_{uuid.uuid4().hex[:8]}"
    config = StackConfig.on_free_ports(
        mongo_uri=mongo_uri, nats_url=nats_url, redis_url=redis_url,
        log_dir=work_dir / "close-kill-logs",
        extra_env={"AGORA_ENV": "test", "VOTING_DATABASE": database,
                   "CLOSE_RESUME_SECONDS": "1"})
    config.grpc_ports["threads"] = stack.config.grpc_ports["threads"]
    consultation_id = await prioritising(api)
    sessions = mongo[database]["vote_sessions"]

    first = processes.service("voting", config.env("voting"), config.log_dir).start()
    second: processes.Child | None = None
    try:
        processes.wait_serving(first, config.address("voting"))
        async with grpc.aio.insecure_channel(config.address("voting")) as channel:
            stub = voting_pb2_grpc.VotingServiceStub(channel)
            session = await stub.CreateVoteSession(voting_pb2.CreateVoteSessionRequest(
                consultation_id=consultation_id, actor_id="owner", actor_roles=["strategist"],
                categories=[voting_pb2.TokenCategoryDraft(name={"en": "Green"}, color="#2e7d32",
                                                          total_number=5)],
                proposals=[voting_pb2.ProposalDraft(title={"en": f"P{i}"}) for i in range(3)]),
                timeout=30)
            await stub.OpenVoteSession(voting_pb2.ChangeVoteSessionRequest(
                session_id=session.id, actor_id="owner", actor_roles=["strategist"]),
                timeout=60)
            for i in range(VOTERS):
                await stub.SubmitBallot(voting_pb2.SubmitBallotRequest(
                    session_id=session.id, actor_id=f"voter{i}", actor_roles=["participant"],
                    allocations=ballot(session, i)),
                    timeout=30)
            closing = asyncio.ensure_future(stub.CloseVoteSession(
                voting_pb2.ChangeVoteSessionRequest(session_id=session.id, actor_id="owner",
                                                    actor_roles=["strategist"]),
                timeout=60))
            for _ in range(500):  # kill as soon as the close has begun
                stored = await sessions.find_one({"_id": session.id})
                if stored is not None and stored["status"] == "closing":
                    break
                await asyncio.sleep(0.01)
            first.kill()
            closing.cancel()
        stored = await sessions.find_one({"_id": session.id})
        assert stored is not None
        assert stored["status"] == "closing"
        assert stored.get("results") is None  # killed mid-close: nothing published yet

        second = processes.service("voting", config.env("voting"), config.log_dir).start()
        for _ in range(240):
            stored = await sessions.find_one({"_id": session.id})
            assert stored is not None
            if stored["status"] == "closed":
                break
            await asyncio.sleep(0.25)
        assert stored["status"] == "closed", "no replica finished the close"
        ballots = await mongo[database]["ballots"].find({"session_id": session.id}).to_list()
        assert stored["results"]["ballot_count"] == len(ballots) == VOTERS
        assert {(row[0], row[1]): (row[2], row[3]) for row in stored["results"]["tallies"]
                if row[2]} == recount(ballots)
        assert await mongo[database]["receipts"].count_documents(
            {"session_id": session.id}) == VOTERS
        assert await mongo[database]["vote_gates"].count_documents(
            {"session_id": session.id, "open": True}) == 0
        assert await mongo[database]["outbox"].count_documents(
            {"type": "vote_session.closed"}) == 1
    finally:
        first.stop()
        if second is not None:
            second.stop()
        await mongo.drop_database(database)
