"""Who is calling: the token verifier behind the `CurrentUser` dependency.

Until the identity service issues signed tokens, development mode accepts
`Authorization: Bearer dev-<account id>`; the identity issue replaces `DevTokenVerifier`
with JWKS verification behind the same `TokenVerifier` protocol, and every route that
depends on `CurrentUser` is covered without change. Production refuses dev mode at
start-up (see config).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

ACCOUNT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass(frozen=True)
class Principal:
    """An authenticated caller."""

    account_id: str


class InvalidToken(Exception):
    """The presented token cannot be accepted; the message is safe to show."""


class TokenVerifier(Protocol):
    async def verify(self, token: str) -> Principal: ...


class DevTokenVerifier:
    PREFIX = "dev-"

    async def verify(self, token: str) -> Principal:
        if not token.startswith(self.PREFIX):
            raise InvalidToken("expected a development token 'dev-<account id>'")
        account_id = token.removeprefix(self.PREFIX)
        if not ACCOUNT_ID.match(account_id):
            raise InvalidToken("the account id in the token is malformed")
        return Principal(account_id=account_id)
