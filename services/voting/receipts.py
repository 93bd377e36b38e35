"""Receipts: every voter's inclusion proof, computed once at close and stored.

Why: a proof needs the whole Merkle tree, i.e. every ballot of the session. Built per
request, each `/receipt` read every ballot and hashed them all. The tree is built once
at close (before the results are published, so a published session always has its
receipts), and a receipt is then a point lookup by (session, voter). Writing them again
after an interrupted close, or by two replicas at once, gives the same documents (the
ballots no longer change), so a receipt already there is kept.
"""

from __future__ import annotations

from collections.abc import Sequence

from pymongo.errors import BulkWriteError

from agora_kit.mongo import Database, Document
from services.voting import merkle

COLLECTION = "receipts"
CHUNK = 1000
DUPLICATE_KEY = 11000


def receipt_id(session_id: str, voter: str) -> str:
    return f"{session_id}:{voter}"


class ReceiptStore:
    def __init__(self, db: Database) -> None:
        self.receipts = db[COLLECTION]

    async def write_all(self, session_id: str,
                        leaves: Sequence[tuple[str, str, str]]) -> None:
        """Store (voter, pseudonym, leaf text) proofs; leaves in Merkle (pseudonym) order."""
        proofs = merkle.proofs([text for _, _, text in leaves])
        documents = [
            {"_id": receipt_id(session_id, voter), "session_id": session_id,
             "pseudonym": pseudonym, "leaf": text,
             "proof": [{"hash": s.hash, "left": s.left} for s in proof]}
            for (voter, pseudonym, text), proof in zip(leaves, proofs, strict=True)
        ]
        for start in range(0, len(documents), CHUNK):
            try:
                await self.receipts.insert_many(documents[start:start + CHUNK], ordered=False)
            except BulkWriteError as error:
                if any(e.get("code") != DUPLICATE_KEY for e in error.details["writeErrors"]):
                    raise

    async def get(self, session_id: str, voter: str) -> Document | None:
        return await self.receipts.find_one({"_id": receipt_id(session_id, voter)})
