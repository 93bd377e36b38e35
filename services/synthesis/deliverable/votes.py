"""Vote results as the deliverable reads them: the synthesis service's own read model.

Fed by `vote_session.closed`, which carries the final tallies; the proposals' titles and
the ideas they stand for (`idea_id`) and the categories' names are asked of voting's API
once, when the event is applied (voting owns sessions; synthesis never reads its
database). One document per session, written whole by an upsert, so a redelivered
event changes nothing.
"""

from __future__ import annotations

from datetime import UTC

import grpc

from agora.v1 import events_pb2, voting_pb2, voting_pb2_grpc
from agora_kit.consultations import Unavailable
from agora_kit.events.catalog import EVENTS
from agora_kit.events.consumer import ConsumerSpec
from agora_kit.grpc_interceptors import client_channel
from agora_kit.mongo import Database, Session
from agora_kit.types import Document
from services.synthesis.posts import RPC_TIMEOUT_SECONDS

VOTE_RESULTS = "vote_results"
CONSUMER = ConsumerSpec(durable="synthesis-vote-results",
                        filter_subjects=[EVENTS.vote_session_closed.filter_subject])


def _text(labels: dict[str, str]) -> str:
    """One language's text of a multilingual label (English first, else any)."""
    return labels.get("en") or next(iter(sorted(labels.items())), ("", ""))[1]


class VoteResults:
    def __init__(self, db: Database, voting_addr: str) -> None:
        self.collection = db[VOTE_RESULTS]
        self._voting_addr = voting_addr
        self._stub: voting_pb2_grpc.VotingServiceStub | None = None

    def _voting(self) -> voting_pb2_grpc.VotingServiceStub:
        if self._stub is None:
            self._stub = voting_pb2_grpc.VotingServiceStub(
                client_channel(self._voting_addr, service="synthesis"))
        return self._stub

    async def ensure_indexes(self) -> None:
        await self.collection.create_index("consultation_id")

    async def apply(self, envelope: events_pb2.EventEnvelope, session: Session) -> None:
        closed = EVENTS.vote_session_closed.unpack(envelope)
        try:
            vote = await self._voting().GetVoteSession(
                voting_pb2.GetVoteSessionRequest(session_id=closed.session_id),
                timeout=RPC_TIMEOUT_SECONDS)
        except grpc.aio.AioRpcError:  # redelivered later by the consumer
            raise Unavailable("the voting service did not answer; retry shortly") from None
        tallies: dict[str, list[Document]] = {}
        for t in closed.tallies:
            tallies.setdefault(t.proposal_id, []).append(
                {"category_id": t.category_id, "tokens": t.tokens, "voters": t.voters,
                 "rank": t.rank})
        document = {
            "consultation_id": envelope.consultation_id,
            "ballot_count": closed.ballot_count, "results_digest": closed.results_digest,
            "closed_at": envelope.occurred_at.ToDatetime(tzinfo=UTC),
            "categories": [{"id": c.id, "name": _text(dict(c.name)), "color": c.color}
                           for c in vote.categories],
            "proposals": [{"id": p.id, "title": _text(dict(p.title)),
                           "idea_id": p.idea_id or None, "tallies": tallies.get(p.id, [])}
                          for p in vote.proposals]}
        await self.collection.update_one({"_id": closed.session_id}, {"$set": document},
                                         upsert=True, session=session)

    async def of(self, consultation_id: str) -> list[Document]:
        """The consultation's closed sessions, oldest first."""
        found: list[Document] = await self.collection.find(
            {"consultation_id": consultation_id}).sort("closed_at", 1).to_list()
        return found
