"""Voting checks every write's roles itself (DESIGN §5), as threads does: a gRPC client
that reaches the service without the gateway cannot create, open or close a vote, nor
vote, unless the roles it passes allow it (services/voting/permissions.py)."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from pymongo import AsyncMongoClient

from agora.v1 import voting_pb2, voting_pb2_grpc
from devstack.stack import Stack
from services.voting.permissions import Action, allowed
from tests.voting.support import VOTING_DB, create_session, ids, prioritising, unique

MANAGER_ROLES = ["participant", "strategist"]


def draft(consultation_id: str, roles: list[str]) -> voting_pb2.CreateVoteSessionRequest:
    return voting_pb2.CreateVoteSessionRequest(
        consultation_id=consultation_id, actor_id=unique("caller"), actor_roles=roles,
        categories=[voting_pb2.TokenCategoryDraft(name={"en": "Green"}, color="#2e7d32",
                                                  total_number=5)],
        proposals=[voting_pb2.ProposalDraft(title={"en": f"P{i}"}) for i in range(2)])


async def refused(call: Any) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await call
    assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED, error.value.details()


async def test_the_voting_service_refuses_writes_without_the_roles_they_need(
    api: Any, stack: Stack, mongo: AsyncMongoClient[Any]
) -> None:
    consultation_id = await prioritising(api)
    session = await create_session(api, consultation_id=consultation_id, open_it=False)
    (p0, *_), (green, _red) = ids(session)
    sessions = mongo[VOTING_DB]["vote_sessions"]
    before = await sessions.count_documents({"consultation_id": consultation_id})
    async with grpc.aio.insecure_channel(stack.config.address("voting")) as channel:
        stub = voting_pb2_grpc.VotingServiceStub(channel)
        for roles in ([], ["participant"], ["participant", "moderator"]):
            await refused(stub.CreateVoteSession(draft(consultation_id, roles), timeout=10))
            change = voting_pb2.ChangeVoteSessionRequest(
                session_id=session["id"], actor_id="intruder", actor_roles=roles)
            await refused(stub.OpenVoteSession(change, timeout=10))
            await refused(stub.CloseVoteSession(change, timeout=10))
        assert await sessions.count_documents({"consultation_id": consultation_id}) == before
        stored = await sessions.find_one({"_id": session["id"]})
        assert stored is not None
        assert stored["status"] == "draft"

        opened = await stub.OpenVoteSession(voting_pb2.ChangeVoteSessionRequest(
            session_id=session["id"], actor_id="chair", actor_roles=MANAGER_ROLES), timeout=60)
        assert opened.status == voting_pb2.VOTE_SESSION_STATUS_OPEN
        ballot = voting_pb2.SubmitBallotRequest(
            session_id=session["id"], actor_id=unique("voter"),
            allocations=[voting_pb2.Allocation(proposal_id=p0, category_id=green, tokens=1)])
        await refused(stub.SubmitBallot(ballot, timeout=10))  # no roles: not even a participant
        ballot.actor_roles.append("participant")
        assert (await stub.SubmitBallot(ballot, timeout=10)).version == 1
        created = await stub.CreateVoteSession(draft(consultation_id, ["operator"]), timeout=10)
        assert created.status == voting_pb2.VOTE_SESSION_STATUS_DRAFT


def test_the_table_gives_sessions_to_strategists_and_operators_and_votes_to_participants(
) -> None:
    assert allowed(Action.MANAGE_SESSION, {"strategist"})
    assert allowed(Action.MANAGE_SESSION, {"operator"})
    assert not allowed(Action.MANAGE_SESSION, {"participant", "moderator", "synthesiser"})
    assert allowed(Action.VOTE, {"participant"})
    assert not allowed(Action.VOTE, set())
