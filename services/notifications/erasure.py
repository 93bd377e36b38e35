"""An erased account gets nothing, ever: on `user.erased` everything held about it goes
(notifications, queued mails, follows, preferences, roles; its announcements stay,
without its name) and a tombstone refuses it later."""

from __future__ import annotations

from agora_kit.clock import now
from agora_kit.mongo import Database, Session

ERASED = "erased_accounts"
BY_ACCOUNT = ("notifications", "mails", "subscriptions", "preferences", "digests", "roles",
              "voters")


class Erasure:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._erased = db[ERASED]

    async def erase(self, session: Session, account_id: str) -> None:
        for name in BY_ACCOUNT:
            await self._db[name].delete_many({"account_id": account_id}, session=session)
        await self._db["account_settings"].delete_one({"_id": account_id}, session=session)
        await self._db["contests"].delete_many({"author_id": account_id}, session=session)
        # Announcements were written to others: they stay, no longer naming their author.
        await self._db["announcements"].update_many(
            {"author_id": account_id}, {"$set": {"author_id": ""}}, session=session)
        await self._erased.update_one({"_id": account_id}, {"$setOnInsert": {"at": now()}},
                                      upsert=True, session=session)

    async def is_erased(self, session: Session | None, account_ids: list[str]) -> set[str]:
        if not account_ids:
            return set()
        cursor = self._erased.find({"_id": {"$in": account_ids}}, {"_id": 1}, session=session)
        return {doc["_id"] async for doc in cursor}
