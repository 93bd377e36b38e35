"""Dependencies shared by the routes, as `Annotated` aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from services.gateway.auth import InvalidToken, Principal, TokenVerifier
from services.gateway.clients import ServiceClients
from services.gateway.participation import Participation
from services.gateway.problems import Problem
from services.gateway.ratelimit import WriteRateLimiter

_bearer = HTTPBearer(auto_error=False, description="`Authorization: Bearer <access token>`")


def _clients(request: Request) -> ServiceClients:
    clients: ServiceClients = request.app.state.clients
    return clients


async def _current_user(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        raise Problem(401, "this action needs an access token (Authorization: Bearer ...)",
                      headers={"WWW-Authenticate": "Bearer"})
    verifier: TokenVerifier = request.app.state.verifier
    try:
        return await verifier.verify(credentials.credentials)
    except InvalidToken as error:
        raise Problem(401, str(error),
                      headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}) from None


CurrentUser = Annotated[Principal, Depends(_current_user)]


async def _optional_user(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal | None:
    """Reads are public; a token, when present, lets its holder see what is theirs."""
    return None if credentials is None else await _current_user(request, credentials)


OptionalUser = Annotated[Principal | None, Depends(_optional_user)]


def _participation(request: Request) -> Participation:
    participation: Participation = request.app.state.participation
    return participation


Recorder = Annotated[Participation, Depends(_participation)]


def roles(user: Principal | None) -> list[str]:
    """The roles passed to services, which check them against their permission tables."""
    return sorted(role.value for role in user.roles) if user is not None else []


async def _writer(request: Request, user: CurrentUser) -> Principal:
    limiter: WriteRateLimiter = request.app.state.rate_limiter
    retry_after = await limiter.retry_after(user.account_id)
    if retry_after is not None:
        raise Problem(429, "too many writes; slow down", kind="rate-limited",
                      headers={"Retry-After": str(retry_after)})
    return user


Clients = Annotated[ServiceClients, Depends(_clients)]
Writer = Annotated[Principal, Depends(_writer)]
IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", max_length=200,
           description="Retrying with the same key returns the first result."),
]
