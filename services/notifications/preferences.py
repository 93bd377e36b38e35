"""Per account and consultation: the language texts are written in and, per kind, the
channels (in-app, e-mail) and cadence. Absent settings are the defaults (kinds.py).

Unsubscribe links from digests turn a whole cadence's e-mail off for the account
(`digest_email_off`), since a digest spans consultations.
"""

from __future__ import annotations

from dataclasses import dataclass

from agora_kit.mongo import Database, Session
from agora_kit.types import Document
from services.notifications.kinds import DEFAULTS, Delivery

COLLECTION = "preferences"
ACCOUNT_SETTINGS = "account_settings"


@dataclass(frozen=True)
class Settings:
    language: str
    kinds: dict[str, Delivery]


def _key(account_id: str, consultation_id: str) -> str:
    return f"{account_id}:{consultation_id}"


def of_doc(doc: Document | None) -> Settings:
    doc = doc or {}
    stored = doc.get("kinds", {})
    kinds = {
        name: Delivery(**stored[name]) if name in stored else default
        for name, default in DEFAULTS.items()}
    return Settings(language=doc.get("language", ""), kinds=kinds)


class Preferences:
    def __init__(self, db: Database) -> None:
        self.collection = db[COLLECTION]
        self.accounts = db[ACCOUNT_SETTINGS]

    async def get(self, account_id: str, consultation_id: str,
                  session: Session | None = None) -> Settings:
        return of_doc(await self.collection.find_one(
            {"_id": _key(account_id, consultation_id)}, session=session))

    async def many(self, session: Session, account_ids: list[str],
                   consultation_id: str) -> dict[str, Settings]:
        """Settings of many accounts in one query (a reply followed by thousands)."""
        keys = [_key(a, consultation_id) for a in account_ids]
        found = {doc["account_id"]: doc async for doc in self.collection.find(
            {"_id": {"$in": keys}}, session=session)}
        return {a: of_doc(found.get(a)) for a in account_ids}

    async def put(self, account_id: str, consultation_id: str, settings: Settings) -> None:
        await self.collection.update_one(
            {"_id": _key(account_id, consultation_id)},
            {"$set": {"account_id": account_id, "consultation_id": consultation_id,
                      "language": settings.language,
                      "kinds": {k: vars(d) for k, d in settings.kinds.items()}}},
            upsert=True)

    async def email_off(self, session: Session, account_id: str, consultation_id: str,
                        kind: str) -> None:
        current = await self.get(account_id, consultation_id, session)
        delivery = current.kinds[kind]
        await self.collection.update_one(
            {"_id": _key(account_id, consultation_id)},
            {"$set": {"account_id": account_id, "consultation_id": consultation_id,
                      f"kinds.{kind}": {**vars(delivery), "email": False}},
             "$setOnInsert": {"language": current.language}},
            upsert=True, session=session)

    async def digest_email_off(self, session: Session, account_id: str, cadence: str) -> None:
        await self.accounts.update_one(
            {"_id": account_id}, {"$addToSet": {"digest_email_off": cadence}},
            upsert=True, session=session)

    async def digest_email_off_among(self, account_ids: list[str], cadence: str) -> set[str]:
        """Which of these accounts turned that digest's mail off."""
        cursor = self.accounts.find({"_id": {"$in": account_ids}, "digest_email_off": cadence},
                                    {"_id": 1})
        return {doc["_id"] async for doc in cursor}
