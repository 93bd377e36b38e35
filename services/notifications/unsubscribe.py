"""Signed one-click unsubscribe links (RFC 8058): what a link turns off, signed with
HMAC-SHA256 so that nobody can forge one for another account, dated so that an old one
stops working, and single-use (its nonce is recorded when applied) so that a replayed
link is refused rather than silently accepted.

A token is `base64url(json payload).base64url(mac)`; the payload names the account, the
consultation and the kind (a kind `digest:<cadence>` turns that digest's mail off).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from pymongo.errors import DuplicateKeyError

from agora_kit.clock import now
from agora_kit.errors import FailedPrecondition, PermissionDenied
from agora_kit.mongo import Database, Session

USED = "unsubscribe_uses"
MAX_TOKEN_CHARS = 512


@dataclass(frozen=True)
class Scope:
    account_id: str
    consultation_id: str
    kind: str
    nonce: str
    expires: int


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Links:
    def __init__(self, db: Database, key: bytes, *, days: int) -> None:
        self._used = db[USED]
        self._key = key
        self._lifetime = timedelta(days=days)

    def _mac(self, body: str) -> str:
        return _b64(hmac.new(self._key, body.encode(), hashlib.sha256).digest())

    def token(self, *, account_id: str, consultation_id: str, kind: str,
              at: datetime | None = None) -> str:
        expires = int(((at or now()) + self._lifetime).timestamp())
        body = _b64(json.dumps({"a": account_id, "c": consultation_id, "k": kind,
                                "n": secrets.token_urlsafe(12), "x": expires},
                               separators=(",", ":")).encode())
        return f"{body}.{self._mac(body)}"

    def read(self, token: str) -> Scope:
        """The scope of a genuine, unexpired token; PermissionDenied for a forged or
        malformed one, FailedPrecondition for an expired one."""
        body, _, mac = token.partition(".")
        if len(token) > MAX_TOKEN_CHARS or not mac or not hmac.compare_digest(
                mac, self._mac(body)):
            raise PermissionDenied("this unsubscribe link is not genuine", field="token")
        try:
            fields = json.loads(_unb64(body))
            scope = Scope(account_id=str(fields["a"]), consultation_id=str(fields["c"]),
                          kind=str(fields["k"]), nonce=str(fields["n"]),
                          expires=int(fields["x"]))
        except (ValueError, KeyError, TypeError):
            raise PermissionDenied("this unsubscribe link is not genuine",
                                   field="token") from None
        if scope.expires < now().timestamp():
            raise FailedPrecondition("this unsubscribe link has expired; change your "
                                     "notification settings instead", field="token")
        return scope

    async def use(self, session: Session, scope: Scope) -> None:
        """Record the link as used; FailedPrecondition if it was used before."""
        try:
            await self._used.insert_one({"_id": scope.nonce, "account_id": scope.account_id,
                                         "at": now()}, session=session)
        except DuplicateKeyError:
            raise FailedPrecondition("this unsubscribe link was already used",
                                     field="token") from None
