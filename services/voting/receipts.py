"""Receipts: every voter's inclusion proof, computed once at close and stored.

Why: a proof needs the whole Merkle tree, i.e. every ballot of the session. Built per
request, each `/receipt` read every ballot and hashed them all. The tree is built once
at close (before the results are published, so a published session always has its
receipts), and a receipt is then a point lookup by (session, voter). Writing them again
after an interrupted close, or by two replicas at once, gives the same documents (the
ballots no longer change), so a receipt already there is kept.

The same documents publish the leaves: `page` lists them in Merkle (pseudonym) order,
without the account ids their `_id` holds, so anyone can recompute the root.
"""

from __future__ import annotations

from collections.abc import Sequence

from pymongo import ASCENDING
from pymongo.errors import BulkWriteError

from agora_kit.mongo import Database
from agora_kit.types import Document
from services.voting import merkle

COLLECTION = "receipts"
CHUNK = 1000
DUPLICATE_KEY = 11000


def receipt_id(session_id: str, voter: str) -> str:
    return f"{session_id}:{voter}"


class ReceiptStore:
    def __init__(self, db: Database) -> None:
        self.receipts = db[COLLECTION]

    async def ensure_indexes(self) -> None:
        await self.receipts.create_index([("session_id", ASCENDING), ("pseudonym", ASCENDING)])

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

    async def page(self, session_id: str, *, after: str | None, limit: int) -> list[Document]:
        """Leaves (pseudonym, leaf text) after the pseudonym `after`, in Merkle order."""
        query: dict[str, object] = {"session_id": session_id}
        if after is not None:
            query["pseudonym"] = {"$gt": after}
        cursor = self.receipts.find(query, {"_id": 0, "pseudonym": 1, "leaf": 1})
        found: list[Document] = await cursor.sort("pseudonym", ASCENDING).limit(limit).to_list()
        return found
