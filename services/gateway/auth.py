"""Who is calling: the token verifiers behind the `CurrentUser` dependency.

Real access tokens are EdDSA JWTs from the identity service, verified locally against
its cached JWKS (`jwks.JwksVerifier`); their roles are the caller's grants in the
consultation the route concerns (`access.AccessResolver`). Development and test also
accept `Authorization: Bearer dev-<account id>[~role,role...]`, the roles holding in
every consultation (`DevTokenVerifier`, chosen by `EitherVerifier` on the `dev-`
prefix). Production refuses dev tokens at start-up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from agora_kit.validators import OPAQUE_ID_PATTERN

ACCOUNT_ID = re.compile(OPAQUE_ID_PATTERN)


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
    # Development tokens carry roles valid in every consultation; a real token's roles
    # are resolved per consultation by the gateway.
    global_roles: bool = False


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
        return Principal(account_id=account_id, roles=frozenset({Role.PARTICIPANT, *roles}),
                         global_roles=True)


class EitherVerifier:
    """Development and test: `dev-...` tokens to the dev verifier, others to the JWT one."""

    def __init__(self, dev: TokenVerifier, real: TokenVerifier) -> None:
        self._dev = dev
        self._real = real

    async def verify(self, token: str) -> Principal:
        chosen = self._dev if token.startswith(DevTokenVerifier.PREFIX) else self._real
        return await chosen.verify(token)
