"""GDPR: export everything identity holds about an account, and erase the account.

Erasure deletes the account (so the email is free again), its grants, codes, pseudonyms and
sessions, and emits `user.erased` in the same transaction; other services anonymise the
account's authorship when they consume it (threads: "former participant"). Audit
records keep the account *id* — a pseudonym once the account is gone — because who
granted which role must stay accountable.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from agora.v1 import identity_pb2
from agora_kit.errors import Unauthenticated
from agora_kit.events.catalog import EVENTS
from agora_kit.events.envelope import new_envelope
from agora_kit.events.outbox import Outbox
from agora_kit.mongo import Session
from agora_kit.runtime import Dependencies
from agora_kit.types import Document
from services.identity import passwords
from services.identity.accounts import Accounts

PRIVATE_FIELDS = ("password_hash",)


def _plain(document: Document) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v
            for k, v in document.items() if k not in PRIVATE_FIELDS}


class Privacy:
    def __init__(self, deps: Dependencies, accounts: Accounts) -> None:
        self._deps = deps
        self._accounts = accounts
        self._db = deps.db

    async def export(self, account_id: str) -> dict[str, Any]:
        account = await self._accounts.get(account_id)
        grants = await self._db["grants"].find({"account_id": account_id}).to_list()
        sessions = await self._db["refresh_families"].find({"account_id": account_id}).to_list()
        pseudonyms = await self._db["pseudonyms"].find({"account_id": account_id}).to_list()
        audit = await self._db["audit_log"].find(
            {"$or": [{"account_id": account_id}, {"actor": account_id}]}).to_list()
        return {
            "account": _plain(account),
            "grants": [_plain(g) for g in grants],
            "sessions": [_plain(s) for s in sessions],
            "pseudonyms": [_plain(p) for p in pseudonyms],
            "audit": [_plain(a) for a in audit],
        }

    async def erase(self, *, account_id: str, password: str) -> None:
        account = await self._accounts.get(account_id)
        if not await passwords.verify_password(account["password_hash"], password):
            raise Unauthenticated("the password is wrong")
        envelope = new_envelope(event_type=EVENTS.user_erased, consultation_id="", actor=account_id,
                                payload=identity_pb2.UserErased(account_id=account_id))

        async def work(session: Session, outbox: Outbox) -> None:
            await self._db["accounts"].delete_one({"_id": account_id}, session=session)
            for name in ("grants", "email_tokens", "refresh_tokens", "refresh_families",
                         "pseudonyms"):
                await self._db[name].delete_many({"account_id": account_id}, session=session)
            await outbox.add(envelope, session=session)

        await self._deps.commit(work)
