"""Pseudonyms per consultation: participants may debate under another name.

A pseudonym is unique within its consultation under its lookalike keys (names.py: case,
invisible characters, compatibility forms and confusable letters aside), so nobody can
pose as someone else there, and it must not be an email address. The public name of an
account in a consultation is its pseudonym there, else its display name, else none
(readers then tell its posts apart by their author key); the mapping to
the account stays in identity, and posts reach readers with a per-consultation author
key, never the account (the gateway's author_keys.py).
"""

from __future__ import annotations

import contextlib
import logging

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError, OperationFailure

from agora_kit.clock import now
from agora_kit.errors import AlreadyExists
from agora_kit.mongo import Database
from services.identity import names

log = logging.getLogger(__name__)
LEGACY_INDEX = "consultation_id_1_folded_1"  # the case-fold key pseudonyms had before
KEY_FIELDS = ("skeleton", "cased_skeleton")  # names.LookalikeKeys, in its order


def _keys(name: str) -> dict[str, str]:
    return dict(zip(KEY_FIELDS, names.lookalike_keys(name), strict=True))


class Pseudonyms:
    def __init__(self, db: Database) -> None:
        self._pseudonyms = db["pseudonyms"]
        self._accounts = db["accounts"]

    async def ensure_indexes(self) -> None:
        await self._backfill()
        for field in KEY_FIELDS:
            await self._pseudonyms.create_index(
                [("consultation_id", ASCENDING), (field, ASCENDING)], unique=True)
        with contextlib.suppress(OperationFailure):  # already gone, or never made
            await self._pseudonyms.drop_index(LEGACY_INDEX)

    async def _backfill(self) -> None:
        """Give pseudonyms stored before lookalike keys theirs; of two that now collide,
        the later keeps a key of its own (suffixed by its id) until its owner renames."""
        async for entry in self._pseudonyms.find({"cased_skeleton": {"$exists": False}}):
            keys = _keys(names.shown(entry["name"]))
            if await self._pseudonyms.find_one({"consultation_id": entry["consultation_id"],
                                                "$or": [{f: v} for f, v in keys.items()]}):
                log.warning("pseudonyms look alike; the later one keeps its own key",
                            extra={"pseudonym_id": entry["_id"]})
                keys = {f: f"{v}#{entry['_id']}" for f, v in keys.items()}
            await self._pseudonyms.update_one({"_id": entry["_id"]}, {"$set": keys})

    async def set(self, *, consultation_id: str, account_id: str, pseudonym: str) -> None:
        """Take `pseudonym` in the consultation; "" drops it (the display name again)."""
        key = {"_id": f"{consultation_id}:{account_id}"}
        if pseudonym == "":
            await self._pseudonyms.delete_one(key)
            return
        name = names.checked(pseudonym, names.PSEUDONYM)
        try:
            await self._pseudonyms.replace_one(key, {
                "consultation_id": consultation_id, "account_id": account_id, "name": name,
                **_keys(name), "set_at": now()}, upsert=True)
        except DuplicateKeyError:
            raise AlreadyExists("this pseudonym, or one that looks like it, is taken in this "
                                "consultation", field="pseudonym") from None

    async def public_names(self, consultation_id: str,
                           account_ids: list[str]) -> dict[str, tuple[str, bool]]:
        """account id → (name, is a pseudonym), for the accounts that have a name here."""
        found: dict[str, tuple[str, bool]] = {}
        async for account in self._accounts.find(
                {"_id": {"$in": account_ids}, "display_name": {"$nin": ["", None]}},
                {"display_name": 1}):
            found[account["_id"]] = (account["display_name"], False)
        async for entry in self._pseudonyms.find({"consultation_id": consultation_id,
                                                  "account_id": {"$in": account_ids}}):
            found[entry["account_id"]] = (entry["name"], True)
        return found
