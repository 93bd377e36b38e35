"""Ballots: one document per voter and session, replaced whole, versioned and audited.

The submission transaction holds exactly what one ballot needs and nothing shared:
write the voter's gate (the close fence, `gates.py`), read the voter's ballot version and
write the next one by `_id` (with If-Match, only at the expected version),
insert the audit record and the `ballot.submitted` event. Nothing else touches MongoDB
on the way: the session's configuration is cached in the process, and the idempotency
check is the audit record's own `_id` (derived from voter and key), so a repeated key
fails that insert with a duplicate key, the transaction rolls back, and the first
result is read back by `_id`. Concurrent submissions by the same voter conflict on that
voter's ballot document only (the loser retries a few times, then gets 409); different
voters never conflict, except, briefly, two sharing a gate at the same instant.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from agora.v1 import voting_pb2
from agora_kit import idempotency
from agora_kit.clock import now
from agora_kit.errors import Conflict, FailedPrecondition
from agora_kit.events.catalog import EVENTS
from agora_kit.events.envelope import new_envelope
from agora_kit.events.outbox import Outbox
from agora_kit.ids import new_id
from agora_kit.mongo import Session
from agora_kit.runtime import Dependencies
from agora_kit.types import Collection, Document
from services.voting import phases
from services.voting import sessions as vote_sessions
from services.voting.metrics import BALLOT_TRANSACTION_RETRIES, BALLOTS_ACCEPTED
from services.voting.queues import KeyedTurns

MAX_WAITING_PER_BALLOT = 16
# A voter's concurrent submissions conflict by design: a few quick attempts, then 409
# ("retry"), rather than minutes of retries queued behind one document.
ATTEMPTS = 8


def ballot_id(session_id: str, voter: str) -> str:
    return f"{session_id}:{voter}"


def record_id(voter: str, key: str | None) -> str:
    """The audit record's `_id`: derived from (voter, idempotency key) when there is a key
    (`idempotency.keyed_id`: the `_id` index alone makes a key usable once per voter);
    otherwise a fresh id."""
    return new_id() if key is None else idempotency.keyed_id(voter, key)


class _Replay(Exception):
    """The idempotency key was used before: the transaction rolls back, the first result
    is returned."""


class _GateClosed(Exception):
    """The voter's gate is closed or absent: the session is not open (any more)."""


async def write_ballot(ballots: Collection, key: str, fields: Document,
                       expected_version: int | None, tx: Session) -> Document:
    """Write the next version of a ballot inside the caller's snapshot transaction.

    Read the current version, then insert or replace by `_id` alone: the snapshot makes
    the read and the write one step (a concurrent commit to the same ballot is a write
    conflict, and the transaction retries). Every filter is `_id` alone on purpose:
    SecantusDB serves only those as point lookups; its findAndModify re-checks the query
    with a collection scan, so each replaced ballot scanned every ballot of the session
    (measured: replacements fell under 20/s past 7,000 ballots).
    """
    current = await ballots.find_one({"_id": key}, {"version": 1}, session=tx)
    version = current["version"] if current else 0
    if expected_version is not None and expected_version != version:
        raise FailedPrecondition(f"your ballot is at version {version}, not {expected_version}",
                                 field="expected_version")
    document = {"_id": key, **fields, "version": version + 1}
    if current is None:
        try:
            await ballots.insert_one(document, session=tx)
        except DuplicateKeyError:
            raise Conflict("concurrent first ballot") from None
    else:
        replaced = await ballots.replace_one({"_id": key}, document, session=tx)
        if replaced.matched_count != 1:
            raise Conflict("ballot replaced concurrently")
    return document


class BallotStore:
    def __init__(self, deps: Dependencies, session_store: vote_sessions.SessionStore) -> None:
        self._deps = deps
        self._sessions = session_store
        self._gates = session_store.gates
        self.ballots = deps.db["ballots"]
        self.versions = deps.db["ballot_versions"]
        self._turns = KeyedTurns(max_waiting=MAX_WAITING_PER_BALLOT)

    async def ensure_indexes(self) -> None:
        await self.ballots.create_index([("session_id", ASCENDING), ("voter_id", ASCENDING)])
        await self.versions.create_index(
            [("session_id", ASCENDING), ("voter_id", ASCENDING), ("version", ASCENDING)]
        )

    async def submit(
        self,
        *,
        session: Document,
        voter: str,
        allocations: list[Document],
        gauge_answers: list[Document],
        expected_version: int | None,
        idempotency_key: str | None,
    ) -> Document:
        """Replace the voter's ballot with already validated allocations; the new version."""
        session_id = session["_id"]
        key = ballot_id(session_id, voter)
        request = {"session_id": session_id, "allocations": allocations,
                   "gauges": gauge_answers, "expected_version": expected_version}
        request_hash = idempotency.fingerprint(request) if idempotency_key else None
        audit_id = record_id(voter, idempotency_key)

        async def work(tx: Session, outbox: Outbox) -> Document:
            if not await self._gates.pass_through(session_id, voter, session=tx):
                raise _GateClosed
            fields = {"session_id": session_id, "voter_id": voter,
                      "allocations": allocations, "gauges": gauge_answers,
                      "submitted_at": now()}
            document = await write_ballot(self.ballots, key, fields, expected_version, tx)
            record = {**document, "_id": audit_id, "created_by": voter}
            if idempotency_key is not None:
                record |= {"idempotency_key": idempotency_key, "request_hash": request_hash}
            try:
                await self.versions.insert_one(record, session=tx)
            except DuplicateKeyError:
                raise _Replay from None
            await outbox.add(self._event(session, document), session=tx)
            return record

        async with self._turns.turn(key):
            vote_sessions.require_within_dates(session, now())  # the gates decide the status
            phases.require_prioritisation(
                await self._sessions.phases.spans(session["consultation_id"]), now())
            try:
                record = await self._deps.commit(work, attempts=ATTEMPTS,
                                                 on_retry=BALLOT_TRANSACTION_RETRIES.inc)
            except _Replay:
                return await idempotency.replayed(self.versions, audit_id, request_hash)
            except _GateClosed:
                current = await self._sessions.get(session_id)
                vote_sessions.require_accepting(current, now())
                raise FailedPrecondition("the vote session is closed",
                                         field="session_id") from None
        BALLOTS_ACCEPTED.inc()
        return record

    async def current(self, session_id: str, voter: str) -> Document | None:
        return await self.ballots.find_one({"_id": ballot_id(session_id, voter)})

    async def all_current(self, session_id: str) -> AsyncIterator[Document]:
        """Every voter's current ballot in the session (streamed)."""
        cursor = self.ballots.find({"session_id": session_id},
                                   {"voter_id": 1, "allocations": 1, "gauges": 1, "version": 1})
        async for document in cursor:
            yield document

    @staticmethod
    def _event(session: Document, ballot: Document) -> Any:
        payload = voting_pb2.BallotSubmitted(
            session_id=session["_id"], voter_id=ballot["voter_id"], version=ballot["version"],
            allocations=[voting_pb2.Allocation(**a) for a in ballot["allocations"]],
            gauge_answers=[voting_pb2.GaugeAnswer(**a) for a in ballot.get("gauges", [])],
        )
        return new_envelope(event_type=EVENTS.ballot_submitted,
                            consultation_id=session["consultation_id"],
                            actor=ballot["voter_id"], payload=payload)
