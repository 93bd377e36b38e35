"""Delivering queued mails (`mails`, written with their notifications by fanout.py and
digest.py): one replica sends at a time (a lease), each mail claimed before it is sent
and marked sent as soon as the server accepted it.

Mails a previous lease holder left claimed (it died, or lost the lease) are taken back
by the next holder; one killed between the server's acceptance and the "sent" mark would
so be sent again (at-least-once, with the same Message-ID so receivers can fold it): the
window is the few milliseconds of one update. A 5xx refusal is a bounce: the
account's e-mail is turned off (`account_settings.bounced`) and later mails are dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from pymongo import ReturnDocument

from agora_kit.clock import now
from agora_kit.lease import Lease
from agora_kit.mongo import Database
from agora_kit.types import Document
from services.notifications import render
from services.notifications.compose import Composer
from services.notifications.directory import ConsultationInfo, Directory
from services.notifications.erasure import Erasure
from services.notifications.metrics import MAILS
from services.notifications.preferences import Preferences
from services.notifications.smtp import Rejected, SmtpSender

log = logging.getLogger(__name__)


class Mailer:
    def __init__(self, db: Database, *, directory: Directory, composer: Composer,
                 preferences: Preferences, erasure: Erasure, sender: SmtpSender,
                 wake: asyncio.Event, poll_seconds: float, max_attempts: int) -> None:
        self._mails = db["mails"]
        self._notifications = db["notifications"]
        self._accounts = db["account_settings"]
        self._directory = directory
        self._composer = composer
        self._preferences = preferences
        self._erasure = erasure
        self._sender = sender
        self._wake = wake
        self._poll = poll_seconds
        self._max_attempts = max_attempts
        self._lease = Lease(db, "notifications-mailer")

    async def ensure_indexes(self) -> None:
        await self._mails.create_index([("status", 1), ("next_at", 1)])

    async def run(self) -> None:
        while True:
            try:
                if await self._lease.acquire():
                    await self.drain()
            except Exception:
                log.exception("mail pass failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._poll)
            self._wake.clear()

    async def drain(self) -> int:
        """Send every mail due now; how many were handled."""
        holder = self._lease.holder
        await self._mails.update_many(
            {"status": "sending", "claimed_by": {"$ne": holder}},
            {"$set": {"status": "pending"}})
        handled = 0
        while True:
            mail: Document | None = await self._mails.find_one_and_update(
                {"status": "pending", "next_at": {"$not": {"$gt": now()}}},
                {"$set": {"status": "sending", "claimed_by": holder, "claimed_at": now()}},
                sort=[("_id", 1)], return_document=ReturnDocument.AFTER)
            if mail is None:
                return handled
            handled += 1
            await self._deliver(mail)

    async def _finish(self, mail: Document, status: str, **extra: object) -> None:
        await self._mails.update_one({"_id": mail["_id"]},
                                     {"$set": {"status": status, "done_at": now(), **extra}})
        MAILS.labels("sent" if status == "sent" else status).inc()

    async def _deliver(self, mail: Document) -> None:
        account_id = mail["account_id"]
        items = [doc async for doc in self._notifications.find(
            {"_id": {"$in": mail["notification_ids"]}})]
        settings = await self._accounts.find_one({"_id": account_id}) or {}
        if (not items or settings.get("bounced")
                or await self._erasure.is_erased(None, [account_id])):
            await self._finish(mail, "dropped")
            return
        try:
            recipient = await self._directory.recipient(account_id)
            if recipient is None or not recipient.email:
                await self._finish(mail, "dropped")
                return
            infos = {c: await self._directory.consultation(c)
                     for c in sorted({i["consultation_id"] for i in items})}
            lang = await self._language(account_id, infos)
            if mail["kind"].startswith("digest:"):
                message = self._composer.digest(mail, items, infos, lang, recipient.email)
            else:
                message = self._composer.single(mail, items[0],
                                                infos[mail["consultation_id"]], lang,
                                                recipient.email)
            await self._sender.send(message)
        except Rejected as error:
            log.warning("mail refused: turning the account's e-mail off",
                        extra={"mail": mail["_id"], "error": str(error)})
            await self._accounts.update_one({"_id": account_id}, {"$set": {"bounced": True}},
                                            upsert=True)
            await self._finish(mail, "bounced")
            return
        except Exception as error:
            attempts = mail.get("attempts", 0) + 1
            if attempts >= self._max_attempts:
                log.error("giving up on mail", extra={"mail": mail["_id"], "error": repr(error)})
                await self._finish(mail, "failed", attempts=attempts)
                return
            log.warning("mail not sent; will retry", extra={
                "mail": mail["_id"], "attempt": attempts, "error": repr(error)})
            MAILS.labels("retried").inc()
            await self._mails.update_one({"_id": mail["_id"]}, {"$set": {
                "status": "pending", "attempts": attempts,
                "next_at": now() + timedelta(seconds=min(300.0, 2.0 ** attempts))}})
            return
        await self._finish(mail, "sent")

    async def _language(self, account_id: str, infos: dict[str, ConsultationInfo]) -> str:
        for consultation_id, info in infos.items():
            chosen = (await self._preferences.get(account_id, consultation_id)).language
            if chosen or info.languages:
                return render.language(chosen, info.languages)
        return render.FALLBACK
