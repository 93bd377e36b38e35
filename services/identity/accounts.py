"""Accounts: registration, email verification, credentials check, password change.

Registration answers the same whether or not the email is taken (ASVS 2.2 / 3.x: no
account enumeration): a new email gets a verification code, a taken one gets a notice
mail, and the caller cannot tell which happened. A unique index on the normalised
email makes concurrent registrations of one address create exactly one account.
Verification codes are single-use and stored hashed (SHA-256).
A display name is optional and never taken from the email (display_names.py).
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import weakref
from datetime import timedelta

from pymongo.errors import DuplicateKeyError

from agora.v1 import identity_pb2
from agora_kit.clock import now
from agora_kit.errors import InvalidArgument, NotFound, Unauthenticated
from agora_kit.events.catalog import EVENTS
from agora_kit.events.envelope import new_envelope
from agora_kit.events.outbox import Outbox
from agora_kit.ids import new_id
from agora_kit.mongo import Session
from agora_kit.runtime import Dependencies
from agora_kit.types import Document
from services.identity import display_names, passwords
from services.identity.mail import Mail, MailSender
from services.identity.metrics import ACCOUNTS_REGISTERED, LOGINS
from services.identity.tokens import digest

log = logging.getLogger(__name__)
DOMAIN = r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+"
EMAIL = re.compile(rf"^[^@\s]{{1,64}}@{DOMAIN}$")
BAD_CREDENTIALS = "the email or password is wrong"


def normalise_email(email: str, *, field: str = "email") -> str:
    value = email.strip().lower()
    if len(value) > 254 or not EMAIL.match(value):
        raise InvalidArgument("this is not an email address", field=field)
    return value



class Accounts:
    def __init__(self, deps: Dependencies, sender: MailSender, *, min_chars: int,
                 email_token_ttl: timedelta) -> None:
        self._deps = deps
        self.accounts = deps.db["accounts"]
        self._email_tokens = deps.db["email_tokens"]
        self._sender = sender
        self._min_chars = min_chars
        self._email_token_ttl = email_token_ttl
        self._background: set[asyncio.Task[None]] = set()
        self._email_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = (
            weakref.WeakValueDictionary())

    async def ensure_indexes(self) -> None:
        await self.accounts.create_index("email", unique=True)
        await self._email_tokens.create_index("expires_at", expireAfterSeconds=0)
        await display_names.forget_email_defaults(self.accounts)

    async def register(self, *, email: str, password: str, name: str) -> None:
        """Check the input now; hash, store and mail in the background.

        The caller's answer is the same whatever happens next, so it need not wait: its
        timing then reveals nothing (a taken address costs no less), and a burst of
        registrations cannot push the call past the gateway's deadline. A crash before
        the background work ends loses nothing acknowledged: the person registers again.
        """
        address = normalise_email(email)
        passwords.check_policy(password, min_chars=self._min_chars, email=address)
        task = asyncio.create_task(self._create(address, password, display_names.checked(name)))
        self._background.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("registration failed", exc_info=task.exception())

    async def _create(self, address: str, password: str, name: str) -> None:
        account_id = new_id()
        document = {
            "_id": account_id, "email": address, "email_verified": False,
            **display_names.fields(name),
            "password_hash": await passwords.hash_password(password), "created_at": now(),
        }

        # One registration per address at a time in this process: concurrent inserts of one
        # unique key would make the transactions conflict and retry (slow on a busy store);
        # across replicas the unique index still decides.
        lock = self._email_locks.setdefault(address, asyncio.Lock())
        try:
            async with lock:
                if await self.accounts.find_one({"email": address}, {"_id": 1}) is not None:
                    raise DuplicateKeyError("email taken")
                await self._insert_account(document)
        except DuplicateKeyError:
            await self._sender.send(Mail(
                to=address, subject="Agora: you already have an account",
                body="Someone (perhaps you) tried to register this address again. "
                     "If it was you, log in or reset your password."))
            return
        ACCOUNTS_REGISTERED.inc()
        await self._send_verification(account_id, address)

    async def _insert_account(self, document: Document) -> None:
        """The account and its `user.registered` event, in one transaction."""
        account_id = document["_id"]
        envelope = new_envelope(event_type=EVENTS.user_registered, consultation_id="",
                                actor=account_id,
                                payload=identity_pb2.UserRegistered(account_id=account_id))

        async def work(session: Session, outbox: Outbox) -> None:
            await self.accounts.insert_one(document, session=session)
            await outbox.add(envelope, session=session)

        await self._deps.commit(work)

    async def create_external(self, *, email: str, verified: bool, name: str) -> str:
        """An account without a password, for a single sign-on identity. `name` (the
        provider's `name` claim) is its display name if it passes the rules, else it has
        none: a login does not fail over a name, and never takes one from the email."""
        address = normalise_email(email)
        try:
            chosen = display_names.checked(name)
        except InvalidArgument:
            chosen = ""
        account_id = new_id()
        document = {"_id": account_id, "email": address, "email_verified": verified,
                    **display_names.fields(chosen), "password_hash": None, "created_at": now()}

        await self._insert_account(document)
        ACCOUNTS_REGISTERED.inc()
        return account_id

    async def verify_email(self, token: str) -> None:
        account_id = await self._use_code(token, purpose="verify")
        await self.accounts.update_one({"_id": account_id}, {"$set": {"email_verified": True}})

    async def request_reset(self, email: str) -> None:
        """Mail a reset code if the address has an account; silently nothing otherwise."""
        account = await self.accounts.find_one({"email": normalise_email(email)})
        if account is None:
            return
        code = await self._new_code(account["_id"], purpose="reset")
        await self._sender.send(Mail(
            to=account["email"], subject="Agora: reset your password",
            body=f"Your password reset code (valid {self._email_token_ttl}):\n\n{code}\n\n"
                 "If you did not ask for it, ignore this message; your password is unchanged."))

    async def reset_password(self, *, token: str, new: str) -> str:
        """Set a new password with a reset code; the account id (its sessions must end)."""
        account_id = await self._use_code(token, purpose="reset")
        account = await self.get(account_id)
        passwords.check_policy(new, min_chars=self._min_chars, email=account["email"])
        await self.accounts.update_one(
            {"_id": account_id},
            # The code reached the mailbox: the address is proven too.
            {"$set": {"password_hash": await passwords.hash_password(new),
                      "email_verified": True}},
        )
        return account_id

    async def check_credentials(self, *, email: str, password: str) -> str:
        """The account id when the password matches; one message for every failure."""
        try:
            address = normalise_email(email)
        except InvalidArgument:
            address = ""
        account = await self.accounts.find_one({"email": address}) if address else None
        stored = account["password_hash"] if account else None
        if not await passwords.verify_password(stored, password) or account is None:
            LOGINS.labels(result="refused").inc()
            raise Unauthenticated(BAD_CREDENTIALS)
        LOGINS.labels(result="ok").inc()
        return str(account["_id"])

    async def change_password(self, *, account_id: str, current: str, new: str) -> None:
        account = await self.get(account_id)
        if not await passwords.verify_password(account["password_hash"], current):
            raise Unauthenticated("the current password is wrong")
        passwords.check_policy(new, min_chars=self._min_chars, email=account["email"])
        await self.accounts.update_one(
            {"_id": account_id}, {"$set": {"password_hash": await passwords.hash_password(new)}}
        )

    async def get(self, account_id: str) -> Document:
        account = await self.accounts.find_one({"_id": account_id})
        if account is None:
            raise NotFound("no such account", field="account_id")
        return account

    async def _new_code(self, account_id: str, *, purpose: str) -> str:
        token = secrets.token_urlsafe(32)
        await self._email_tokens.insert_one({
            "_id": digest(token), "account_id": account_id, "purpose": purpose,
            "used_at": None, "expires_at": now() + self._email_token_ttl,
        })
        return token

    async def _use_code(self, token: str, *, purpose: str) -> str:
        """The account of a valid, unused code of this purpose, marking it used."""
        record = await self._email_tokens.find_one_and_update(
            {"_id": digest(token), "purpose": purpose, "used_at": None,
             "expires_at": {"$gt": now()}},
            {"$set": {"used_at": now()}},
        )
        if record is None:
            raise InvalidArgument("the code is invalid, used or expired", field="code")
        return str(record["account_id"])

    async def _send_verification(self, account_id: str, address: str) -> None:
        token = await self._new_code(account_id, purpose="verify")
        await self._sender.send(Mail(
            to=address, subject="Agora: confirm your email address",
            body=f"Your verification code (valid {self._email_token_ttl}):\n\n{token}\n\n"
                 "Paste it in Agora. If you did not register, ignore this message."))
