"""Close fence: K gate documents per session, one written by every ballot transaction.

Why: a ballot transaction that read "open" and committed after the closing count would
be accepted yet missing from the results. MongoDB (and SecantusDB) detect write-write
conflicts only, so a read of the session's status cannot fence anything. Instead, each
ballot transaction's first write is a conditional update of its voter's gate
(`{_id, open: true}`); closing sets every gate to `open: false` before counting. For each
gate, either the ballot's write came first (its transaction commits before the close's
write of that gate can apply, so the count sees it) or the close came first (the
ballot's write conflicts or no longer matches, and it is refused). Spreading voters over
`GATES` documents keeps the fence off any hot spot: two voters only contend when they
share a bucket at the same instant, and then retry.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging

from pymongo import ASCENDING
from pymongo.errors import PyMongoError

from agora_kit import transactions
from agora_kit.errors import Conflict
from agora_kit.mongo import Database, Session
from services.voting.metrics import BALLOT_TRANSACTION_RETRIES

log = logging.getLogger(__name__)
GATES = 2048
CLOSE_BATCH = 128
COLLECTION = "vote_gates"


def gate_id(session_id: str, voter: str) -> str:
    """The gate of voter's bucket: stable, and spread evenly by a hash of the voter."""
    bucket = int.from_bytes(hashlib.blake2b(voter.encode(), digest_size=8).digest()) % GATES
    return f"{session_id}:{bucket}"


class Gates:
    def __init__(self, db: Database) -> None:
        self.gates = db[COLLECTION]

    async def ensure_indexes(self) -> None:
        await self.gates.create_index([("session_id", ASCENDING), ("open", ASCENDING)])
        # SecantusDB serves `{_id, open}` (the ballot's filter) as a point lookup only
        # through an index on both fields; without it every ballot scanned every gate.
        await self.gates.create_index([("_id", ASCENDING), ("open", ASCENDING)])

    async def create(self, session_id: str, *, session: Session) -> None:
        """All gates of a session, open (inside the transaction that opens it)."""
        await self.gates.insert_many(
            [{"_id": f"{session_id}:{i}", "session_id": session_id, "open": True, "writes": 0}
             for i in range(GATES)],
            session=session,
        )

    async def ensure_for(self, session_id: str) -> None:
        """Create the gates of a session opened before gates existed (start-up repair);
        gates already there are kept as they are."""
        if await self.gates.count_documents({"session_id": session_id}) == GATES:
            return
        for i in range(GATES):
            await self.gates.update_one(
                {"_id": f"{session_id}:{i}"},
                {"$setOnInsert": {"session_id": session_id, "open": True, "writes": 0}},
                upsert=True)

    async def pass_through(self, session_id: str, voter: str, *, session: Session) -> bool:
        """Write the voter's gate if it is open (the ballot transaction's first write);
        False when the session's gates are closed or were never opened."""
        written = await self.gates.update_one(
            {"_id": gate_id(session_id, voter), "open": True}, {"$inc": {"writes": 1}},
            session=session,
        )
        return written.matched_count == 1

    async def close_all(self, session_id: str) -> None:
        """Close every gate; when this returns, no ballot of the session can still commit.

        The gates are closed in small batches, each in its own transaction, so closing
        progresses while ballots still arrive. Why not one plain update_many: SecantusDB
        retries a plain write that conflicts with an open transaction forever while
        holding the collection's lock, which a ballot transaction on a gate may need to
        commit — a livelock seen in the close-race test. Inside a transaction the
        conflict surfaces at once and only that batch is retried."""
        open_gates = {"session_id": session_id, "open": True}
        client = self.gates.database.client
        while True:
            batch = [d["_id"] for d in await self.gates.find(open_gates, {"_id": 1}).limit(
                CLOSE_BATCH).to_list()]
            if not batch:
                return

            async def shut(session: Session, ids: list[str] = batch) -> None:
                await self.gates.update_many({"_id": {"$in": ids}, "open": True},
                                             {"$set": {"open": False}}, session=session)

            try:
                await transactions.run(client, shut, attempts=3,
                                       on_retry=BALLOT_TRANSACTION_RETRIES.inc)
            except (PyMongoError, Conflict) as error:
                log.warning("closing gates conflicted; retrying", extra={"error": repr(error)})
                await asyncio.sleep(0.05)
