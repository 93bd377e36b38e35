"""Pseudonyms per consultation: participants may debate under another name.

A pseudonym is unique within its consultation (case-insensitive), so nobody can pose
as someone else there, and it must not be an email address. The public name of an
account in a consultation is its pseudonym there, else its display name; the mapping to
the account stays in identity, and it is the gateway's and services' job to show the
account itself only to moderators.
"""

from __future__ import annotations

import re

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from agora_kit.clock import now
from agora_kit.errors import AlreadyExists, InvalidArgument
from agora_kit.mongo import Database

PSEUDONYM = re.compile(r"^[^@\s](?:[^@]{0,38}[^@\s])?$")


class Pseudonyms:
    def __init__(self, db: Database) -> None:
        self._pseudonyms = db["pseudonyms"]
        self._accounts = db["accounts"]

    async def ensure_indexes(self) -> None:
        await self._pseudonyms.create_index(
            [("consultation_id", ASCENDING), ("folded", ASCENDING)], unique=True)

    async def set(self, *, consultation_id: str, account_id: str, pseudonym: str) -> None:
        key = {"_id": f"{consultation_id}:{account_id}"}
        name = " ".join(pseudonym.split())
        if not name:
            await self._pseudonyms.delete_one(key)
            return
        if not PSEUDONYM.match(name):
            raise InvalidArgument("a pseudonym has 1 to 40 characters and no '@'",
                                  field="pseudonym")
        try:
            await self._pseudonyms.replace_one(key, {
                "consultation_id": consultation_id, "account_id": account_id, "name": name,
                "folded": name.casefold(), "set_at": now()}, upsert=True)
        except DuplicateKeyError:
            raise AlreadyExists("this pseudonym is taken in this consultation",
                                field="pseudonym") from None

    async def public_names(self, consultation_id: str,
                           account_ids: list[str]) -> dict[str, tuple[str, bool]]:
        """account id → (name, is a pseudonym), for the accounts that exist."""
        names: dict[str, tuple[str, bool]] = {}
        async for account in self._accounts.find({"_id": {"$in": account_ids}},
                                                 {"display_name": 1}):
            names[account["_id"]] = (account["display_name"], False)
        async for entry in self._pseudonyms.find({"consultation_id": consultation_id,
                                                  "account_id": {"$in": account_ids}}):
            names[entry["account_id"]] = (entry["name"], True)
        return names
