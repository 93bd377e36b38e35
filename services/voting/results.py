"""Results: live tallies (when allowed), closing with a verifiable digest, receipts.

Closing happens in three steps. The session turns `closing` (reads report it closed);
every gate of the session is shut (`gates.py`), after which no ballot transaction can
commit: each one either committed before its gate shut or is refused; then the ballots
are read once, and the tallies, Merkle root and digest are computed from them and
published with the `vote_session.closed` event and status `closed`. No waiting on
clocks. Counting a large session takes a while (100,000 ballots: about a minute on
SecantusDB), so the count runs as a task of its own: a caller that stops waiting (its
deadline) gets the session `closing`, and the count goes on; a second close joins it.
The count holds a lease on the session's close (`voting.close:<id>`), renewed while it
runs, so one replica counts at a time; when a replica dies mid-close its lease expires
and `resume_interrupted`, run by every replica, takes the close over. Every step is
idempotent, so even two counts at once (a replica paused past its lease) agree.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from typing import Any

from agora.v1 import voting_pb2
from agora_kit.cache import BoundedCache
from agora_kit.clock import SYSTEM_CLOCK, Clock
from agora_kit.errors import DomainError, FailedPrecondition, NotFound
from agora_kit.lease import Lease, holder_id
from agora_kit.mongo import Database
from agora_kit.types import Document
from services.voting import digest, merkle, tallies
from services.voting.ballots import BallotStore
from services.voting.metrics import VOTE_SESSIONS_CLOSED
from services.voting.receipts import ReceiptStore
from services.voting.sessions import CLOSED, OPEN, SessionStore


@dataclass(frozen=True)
class Leaf:
    pseudonym: str
    voter: str
    text: str


@dataclass(frozen=True)
class Snapshot:
    leaves: list[Leaf]
    tallies: list[tallies.Tally]
    gauges: list[list[Any]]

    @property
    def merkle_root(self) -> str:
        return merkle.root([leaf.text for leaf in self.leaves])


LIVE_RESULTS_MAX_AGE = 1.0
LIVE_RESULTS_ENTRIES = 1000  # open sessions whose live results this process keeps
log = logging.getLogger(__name__)


class Results:
    def __init__(self, sessions: SessionStore, ballots: BallotStore,
                 receipts: ReceiptStore, *, leases: Database, lease_seconds: float,
                 clock: Clock = SYSTEM_CLOCK) -> None:
        self._sessions = sessions
        self._ballots = ballots
        self._receipts = receipts
        self._leases = leases
        self._lease_seconds = lease_seconds
        self._holder = holder_id()
        # Live results are one pass over every ballot: a second-old answer is served from
        # here, so a popular results page costs one pass per second, not one per reader.
        self._live: BoundedCache[str, Document] = BoundedCache(
            LIVE_RESULTS_ENTRIES, ttl=LIVE_RESULTS_MAX_AGE, clock=clock)
        self._closing: dict[str, asyncio.Task[Document]] = {}

    async def snapshot(self, session: Document) -> Snapshot:
        """Leaves (ordered by pseudonym) and tallies of the session's current ballots."""
        leaves, allocations, answers = [], [], []
        async for ballot in self._ballots.all_current(session["_id"]):
            name = digest.pseudonym(session["secret"], ballot["voter_id"])
            text = digest.leaf(name, ballot["allocations"], ballot.get("gauges", []))
            leaves.append(Leaf(name, ballot["voter_id"], text))
            allocations.append(ballot["allocations"])
            answers.append(ballot.get("gauges", []))
        leaves.sort(key=lambda leaf: leaf.pseudonym)
        counted = tallies.compute(
            proposal_ids=[p["id"] for p in session["proposals"]],
            category_ids=[c["id"] for c in session["categories"]],
            ballots=allocations,
        )
        gauges = tallies.gauge_rows(
            gauges=[(p["id"], g["id"]) for p in session["proposals"] for g in p.get("gauges", [])],
            answers=answers,
        )
        return Snapshot(leaves, counted, gauges)

    async def visible(self, session: Document) -> Document:
        """Final results once closed; live ones if the session allows; otherwise refused."""
        if session["status"] == CLOSED and session.get("results") is not None:
            stored: Document = session["results"]
            return {**stored, "final": True, "announced": announced(stored)}
        if session["status"] == OPEN and session["live_results"]:
            if (cached := self._live.get(session["_id"])) is not None:
                return cached
            snapshot = await self.snapshot(session)
            live = {"final": False, "ballot_count": len(snapshot.leaves),
                    "tallies": tallies.as_rows(snapshot.tallies), "gauges": snapshot.gauges,
                    "merkle_root": "", "results_digest": "", "announced": ""}
            self._live.put(session["_id"], live)
            return live
        raise FailedPrecondition("results are hidden until the vote session closes",
                                 field="session_id")

    async def close(self, session_id: str, *, actor: str,
                    wait: float | None = None) -> Document:
        """Close the session; the published session, or — when counting takes longer than
        `wait` seconds — the session still `closing` while the count goes on here."""
        try:
            return await asyncio.wait_for(asyncio.shield(self._closing_task(session_id, actor)),
                                          wait)
        except TimeoutError:
            return await self._sessions.get(session_id)

    async def resume_interrupted(self) -> None:
        """Finish the closes that a stopped replica left half done (those whose lease
        nobody renews any more)."""
        for session in await self._sessions.closing():
            if session["_id"] not in self._closing:
                await self._closing_task(session["_id"], session.get("closed_by") or "system")

    def _closing_task(self, session_id: str, actor: str) -> asyncio.Task[Document]:
        """The one task closing this session in this process (started if none is): it
        runs to the end even when every caller stopped waiting."""
        task = self._closing.get(session_id)
        if task is None:
            task = asyncio.create_task(self._close(session_id, actor), name=f"close {session_id}")
            self._closing[session_id] = task
            task.add_done_callback(lambda done: self._closed(session_id, done))
        return task

    def _closed(self, session_id: str, task: asyncio.Task[Document]) -> None:
        self._closing.pop(session_id, None)
        error = None if task.cancelled() else task.exception()
        if error is not None and not isinstance(error, DomainError):
            log.error("closing a vote session failed; closing again resumes it",
                      exc_info=error, extra={"session_id": session_id})

    async def _close(self, session_id: str, actor: str) -> Document:
        lease = Lease(self._leases, f"voting.close:{session_id}", holder=self._holder,
                      ttl_seconds=self._lease_seconds)
        if not await lease.acquire():  # another replica is counting it
            return await self._sessions.get(session_id)
        keeper = asyncio.create_task(lease.keep())
        try:
            session = await self._sessions.mark_closing(session_id, actor=actor)
            if session.get("results") is not None:
                return session
            return await self._finish(session)
        finally:
            keeper.cancel()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(lease.release()), 2.0)

    async def _finish(self, session: Document) -> Document:
        session_id = session["_id"]
        started = time.monotonic()
        await self._sessions.gates.close_all(session_id)
        fenced = time.monotonic()
        snapshot = await self.snapshot(session)
        rows = tallies.as_rows(snapshot.tallies)
        root = snapshot.merkle_root
        announced = digest.counted(rows, snapshot.gauges)
        await self._receipts.write_all(
            session_id, [(leaf.voter, leaf.pseudonym, leaf.text) for leaf in snapshot.leaves])
        results: Document = {
            "ballot_count": len(snapshot.leaves), "tallies": rows, "gauges": snapshot.gauges,
            "merkle_root": root, "results_digest": digest.results_digest(root, announced),
        }
        event = voting_pb2.VoteSessionClosed(
            session_id=session_id, ballot_count=results["ballot_count"],
            tallies=[tally_message(row) for row in rows], merkle_root=root,
            results_digest=results["results_digest"],
            gauges=[gauge_message(row) for row in snapshot.gauges],
        )
        published = await self._sessions.publish_results(
            session, results, event, actor=session.get("closed_by") or session["created_by"])
        VOTE_SESSIONS_CLOSED.inc()
        log.info("vote session closed", extra={
            "session_id": session_id, "ballots": results["ballot_count"],
            "gates_seconds": round(fenced - started, 3),
            "count_seconds": round(time.monotonic() - fenced, 3)})
        return published

    async def leaves(self, session: Document, *, after: str | None,
                     limit: int) -> list[Document]:
        """A page of the published leaves (pseudonym order), once the session is closed."""
        if session["status"] != CLOSED or session.get("results") is None:
            raise FailedPrecondition("the leaves are published once the vote session is closed",
                                     field="session_id")
        return await self._receipts.page(session["_id"], after=after, limit=limit)

    async def receipt(self, session: Document, voter: str) -> Document:
        """The voter's leaf and its inclusion proof in the published Merkle root (stored
        at close: one point lookup)."""
        if session["status"] != CLOSED or session.get("results") is None:
            raise FailedPrecondition("receipts exist once the vote session is closed",
                                     field="session_id")
        found = await self._receipts.get(session["_id"], voter)
        if found is None:
            raise NotFound("you have no ballot in this vote session", field="session_id")
        stored = session["results"]
        return {"pseudonym": found["pseudonym"], "leaf": found["leaf"],
                "proof": [merkle.Step(hash=s["hash"], left=s["left"]) for s in found["proof"]],
                **stored, "announced": announced(stored)}


def announced(results: Document) -> str:
    """The canonical JSON of the published rows, as the digest covers them."""
    return digest.counted(results["tallies"], results.get("gauges", []))


def tally_message(row: list[str | int]) -> voting_pb2.Tally:
    proposal_id, category_id, tokens, voters, rank = row
    return voting_pb2.Tally(proposal_id=str(proposal_id), category_id=str(category_id),
                            tokens=int(tokens), voters=int(voters), rank=int(rank))


def gauge_message(row: list[Any]) -> voting_pb2.GaugeResult:
    proposal_id, gauge_id, answers, total, distribution = row
    return voting_pb2.GaugeResult(
        proposal_id=proposal_id, gauge_id=gauge_id, answers=answers,
        average=total / answers if answers else 0.0,
        distribution={int(value): int(n) for value, n in distribution},
    )
