"""Who follows what: explicit follows, implicit ones made by writing, and "off" records.

One document per (account, target): `active` says whether it notifies. An implicit
follow is only ever inserted (`$setOnInsert`), so a participant who turned a follow off
stays off however many more posts they write there.
"""

from __future__ import annotations

from pymongo import ASCENDING, ReturnDocument

from agora_kit.clock import now
from agora_kit.mongo import Database, Session
from agora_kit.types import Document

COLLECTION = "subscriptions"


def _key(account_id: str, target_kind: str, target_id: str) -> str:
    return f"{account_id}:{target_kind}:{target_id}"


class Subscriptions:
    def __init__(self, db: Database) -> None:
        self.collection = db[COLLECTION]

    async def ensure_indexes(self) -> None:
        await self.collection.create_index(
            [("target_kind", ASCENDING), ("target_id", ASCENDING), ("active", ASCENDING)])
        await self.collection.create_index(
            [("account_id", ASCENDING), ("consultation_id", ASCENDING)])

    async def change(self, *, account_id: str, consultation_id: str, target_kind: str,
                  target_id: str, active: bool) -> Document:
        """An explicit follow (active) or unfollow; idempotent."""
        found: Document | None = await self.collection.find_one_and_update(
            {"_id": _key(account_id, target_kind, target_id)},
            {"$set": {"active": active, "implicit": False, "changed_at": now()},
             "$setOnInsert": {"account_id": account_id, "consultation_id": consultation_id,
                              "target_kind": target_kind, "target_id": target_id}},
            upsert=True, return_document=ReturnDocument.AFTER)
        assert found is not None  # upserted
        return found

    async def implicit(self, session: Session, *, account_id: str, consultation_id: str,
                       target_kind: str, target_id: str) -> None:
        """Follow by writing, unless a record (on or off) exists already."""
        await self.collection.update_one(
            {"_id": _key(account_id, target_kind, target_id)},
            {"$setOnInsert": {"account_id": account_id, "consultation_id": consultation_id,
                              "target_kind": target_kind, "target_id": target_id,
                              "active": True, "implicit": True, "changed_at": now()}},
            upsert=True, session=session)

    async def of_account(self, account_id: str, consultation_id: str) -> list[Document]:
        cursor = self.collection.find({"account_id": account_id,
                                       "consultation_id": consultation_id}).sort("_id", 1)
        return [doc async for doc in cursor]

    async def followers(self, session: Session, targets: list[tuple[str, str]]) -> set[str]:
        """Accounts actively following any of the (kind, id) targets."""
        if not targets:
            return set()
        query = {"$or": [{"target_kind": k, "target_id": i} for k, i in targets if i],
                 "active": True}
        cursor = self.collection.find(query, {"account_id": 1}, session=session)
        return {doc["account_id"] async for doc in cursor}

    async def is_off(self, session: Session, account_id: str, target_kind: str,
                     target_id: str) -> bool:
        doc = await self.collection.find_one(
            {"_id": _key(account_id, target_kind, target_id)}, {"active": 1}, session=session)
        return doc is not None and not doc["active"]
