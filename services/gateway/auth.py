"""Who is calling: the token verifier behind the `CurrentUser` dependency.

Until the identity service issues signed tokens, development mode accepts
`Authorization: Bearer dev-<account id>[~role,role...]`, the roles holding in every
consultation; the identity issue adds JWKS verification and per-consultation role
grants behind the same `TokenVerifier` protocol, and every route that depends on
`CurrentUser` is covered without change. Production refuses dev mode at start-up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

ACCOUNT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class Role(StrEnum):
    """Roles of DESIGN.md §1: per consultation, except the platform operator."""

    PARTICIPANT = "participant"
    MODERATOR = "moderator"
    IDEA_CATCHER = "idea_catcher"
    SYNTHESISER = "synthesiser"
    KNOWLEDGE_MANAGER = "knowledge_manager"
    EXPERT = "expert"
    STRATEGIST = "strategist"
    OPERATOR = "operator"


@dataclass(frozen=True)
class Principal:
    """An authenticated caller and the roles it holds (every caller is a participant)."""

    account_id: str
    roles: frozenset[Role] = frozenset({Role.PARTICIPANT})


class InvalidToken(Exception):
    """The presented token cannot be accepted; the message is safe to show."""


class TokenVerifier(Protocol):
    async def verify(self, token: str) -> Principal: ...


class DevTokenVerifier:
    PREFIX = "dev-"

    async def verify(self, token: str) -> Principal:
        if not token.startswith(self.PREFIX):
            raise InvalidToken("expected a development token 'dev-<account id>[~role,...]'")
        account_id, _, role_names = token.removeprefix(self.PREFIX).partition("~")
        if not ACCOUNT_ID.match(account_id):
            raise InvalidToken("the account id in the token is malformed")
        try:
            roles = {Role(name) for name in role_names.split(",") if name}
        except ValueError:
            raise InvalidToken(f"unknown role in {role_names!r}") from None
        return Principal(account_id=account_id, roles=frozenset({Role.PARTICIPANT, *roles}))
