"""The in-app inbox: an account's notifications, newest first, a page at a time, with an
unread count and marking read. Only the account's own documents are ever matched (the
account id is in every query), so an id of someone else's notification changes nothing."""

from __future__ import annotations

from pymongo import ASCENDING, DESCENDING

from agora_kit.ids import decode_cursor, encode_cursor, page_size
from agora_kit.mongo import Database
from agora_kit.types import Document


class Inbox:
    def __init__(self, db: Database) -> None:
        self.collection = db["notifications"]

    async def ensure_indexes(self) -> None:
        await self.collection.create_index(
            [("event_id", ASCENDING), ("account_id", ASCENDING)], unique=True)
        await self.collection.create_index(
            [("account_id", ASCENDING), ("in_app", ASCENDING), ("_id", DESCENDING)])
        await self.collection.create_index(
            [("account_id", ASCENDING), ("in_app", ASCENDING), ("read", ASCENDING)])

    async def page(self, account_id: str, *, size: int, cursor: str,
                   unread_only: bool) -> tuple[list[Document], str]:
        query: Document = {"account_id": account_id, "in_app": True}
        after = decode_cursor(cursor)
        if after is not None:
            query["_id"] = {"$lt": after}
        if unread_only:
            query["read"] = False
        limit = page_size(size)
        found = [doc async for doc in self.collection.find(query).sort(
            "_id", DESCENDING).limit(limit + 1)]
        more = len(found) > limit
        found = found[:limit]
        return found, encode_cursor(found[-1]["_id"]) if more else ""

    async def unread(self, account_id: str) -> int:
        return await self.collection.count_documents(
            {"account_id": account_id, "in_app": True, "read": False})

    async def mark_read(self, account_id: str, ids: list[str], every: bool) -> int:
        query: Document = {"account_id": account_id, "in_app": True, "read": False}
        if not every:
            query["_id"] = {"$in": ids}
        result = await self.collection.update_many(query, {"$set": {"read": True}})
        return result.modified_count
