"""Dependencies shared by the routes, as `Annotated` aliases.

`authorize` runs on every route (the application installs it globally): it verifies the
bearer token if there is one and the route can use it (`reads_token`), finds the
consultation the route concerns, resolves the caller's admission and roles there, and
checks the route's action against the permission table. Routes then read the resulting
principal through `CurrentUser` / `Writer`, whose `roles` are the roles *in that
consultation*. `json_body`, also global, refuses a body in another media type (415).

The OpenAPI document is derived from these dependencies (contract.py): which statuses a
route can answer and whether it takes a token follow from the ones it uses.
"""

from __future__ import annotations

import email.message
import re
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import Depends, Header, Query, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from agora_kit.ids import CURSOR_PATTERN
from services.gateway.auth import InvalidToken, Principal, Role
from services.gateway.author_keys import AuthorKeys
from services.gateway.clients import ServiceClients
from services.gateway.participation.record import Participation
from services.gateway.permissions import ANONYMOUS, action_of, allowed
from services.gateway.problems import Problem, pattern
from services.gateway.public_names import PublicNames
from services.gateway.reads.cache import ReadCache
from services.gateway.resources import Resources
from services.gateway.scope import SCOPE_PARAMETERS, consultation_of

BEARER_SCHEME = "bearer"
_bearer = HTTPBearer(auto_error=False, scheme_name=BEARER_SCHEME,
                     description="`Authorization: Bearer <access token>`")
_UNAUTHENTICATED = {"WWW-Authenticate": "Bearer"}


# Dependencies are `async def` even when they only read app state: FastAPI runs a plain
# `def` dependency in a worker thread, a thread hop per dependency per request.


def resources_of(app: Any) -> Resources:
    """The application's resources (app.py puts them there at startup)."""
    found: Resources = app.state.resources
    return found


async def _resources(request: Request) -> Resources:
    return resources_of(request.app)


Res = Annotated[Resources, Depends(_resources)]


async def _clients(resources: Res) -> ServiceClients:
    return resources.clients


def invalid_token(error: InvalidToken) -> Problem:
    return Problem(401, str(error), headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


async def _verified(request: Request,
                    credentials: HTTPAuthorizationCredentials | None) -> Principal | None:
    if credentials is None:
        return None
    try:
        return await resources_of(request.app).verifier.verify(credentials.credentials)
    except InvalidToken as error:
        raise invalid_token(error) from None


async def authorize(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal | None:
    """The caller with their roles in the route's consultation, or a 401/403 problem."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return await admit(resources_of(request.app), None, request.path_params, None)
    action = action_of(request.method, route.path)
    caller = (await _verified(request, credentials) if reads_token(route, request.method)
              else None)
    return await admit(resources_of(request.app), action, request.path_params, caller)


def _uses(dependant: Dependant, calls: frozenset[Any]) -> bool:
    return any(d.call in calls or _uses(d, calls) for d in dependant.dependencies)


_READS_TOKEN: dict[tuple[str, str], bool] = {}


def reads_token(route: APIRoute, method: str) -> bool:
    """Whether a bearer token can change this route's answer: it needs one (its action is
    not for anonymous callers), it concerns a consultation (admission depends on who
    asks), or its endpoint reads the caller (e.g. one's own reaction). Elsewhere — probes,
    JWKS, login, registration — a token, even an expired one, is ignored."""
    key = (method, route.path)
    found = _READS_TOKEN.get(key)
    if found is None:
        found = _READS_TOKEN[key] = _reads_token(route, method)
    return found


def _reads_token(route: APIRoute, method: str) -> bool:
    action = action_of(method, route.path)
    if action is None or not allowed(action, {ANONYMOUS}):
        return True
    if SCOPE_PARAMETERS & {p.name for p in route.dependant.path_params}:
        return True
    principal = frozenset({authorize, _current_user, _writer, _caller})
    return any(d.name is not None and (d.call in principal or _uses(d, principal))
               for d in route.dependant.dependencies)


def _is_json(content_type: str | None) -> bool:
    if not content_type:
        return False
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json"))


async def json_body(request: Request) -> None:
    """A route that reads a body reads JSON: any other media type, or none, is a 415
    (not a 422 about the body's fields)."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or route.body_field is None:
        return
    if await request.body() and not _is_json(request.headers.get("content-type")):
        raise Problem(415, "send the body as application/json",
                      headers={"Accept": "application/json"})


async def admit(resources: Resources, action: str | None, path_params: Mapping[str, str],
                caller: Principal | None) -> Principal | None:
    """`authorize` for a route's action and path parameters."""
    if action is None:  # fail closed: a route missing from the permission table
        raise Problem(403, "this route has no entry in the permission table", kind="forbidden")
    if caller is not None and caller.global_roles:  # development tokens: roles everywhere
        if not allowed(action, caller.roles):
            raise Problem(403, f"your roles here do not allow {action}", kind="forbidden")
        return caller
    if caller is None and not allowed(action, {ANONYMOUS}):
        raise Problem(401, "this action needs an access token (Authorization: Bearer ...)",
                      headers=_UNAUTHENTICATED)
    consultation = await consultation_of(path_params, resources.clients, resources.redis)
    if caller is None and consultation is None:
        return None  # probes, login, JWKS: no lookup, so they answer while identity is down
    access = await resources.access.resolve(caller.account_id if caller else None, consultation)
    if caller is None:
        if not access.allowed:
            raise Problem(401, "this consultation is not public; log in",
                          headers=_UNAUTHENTICATED)
        return None
    if not access.allowed:
        raise Problem(403, "you have no access to this consultation", kind="forbidden")
    scoped = Principal(account_id=caller.account_id, roles=frozenset(
        {Role.PARTICIPANT, *(Role(r) for r in access.roles if r in set(Role))}))
    if not allowed(action, scoped.roles):
        raise Problem(403, f"your roles here do not allow {action}", kind="forbidden")
    return scoped


async def admitted(resources: Resources, action: str, consultation_id: str,
                   caller: Principal | None) -> bool:
    """Whether `admit` lets the verified caller perform action in that consultation: how
    a list decides which items to show, so a list never shows what its item refuses."""
    try:
        await admit(resources, action, {"consultation_id": consultation_id}, caller)
    except Problem as refused:
        if refused.status in (401, 403):
            return False
        raise  # identity unavailable: the list fails, it does not guess
    return True


Authorized = Annotated[Principal | None, Depends(authorize)]
# The verified token's holder (None: anonymous) before any consultation's roles apply:
# what a list hands to `admitted` for each of its items.
async def _caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal | None:
    """The verified caller with no consultation scope: a list judges each item itself."""
    return await _verified(request, credentials)


Caller = Annotated[Principal | None, Depends(_caller)]


async def _current_user(user: Authorized) -> Principal:
    if user is None:
        raise Problem(401, "this action needs an access token (Authorization: Bearer ...)",
                      headers=_UNAUTHENTICATED)
    return user


CurrentUser = Annotated[Principal, Depends(_current_user)]
# Reads are public (where the consultation is); a token lets its holder see what is theirs.
OptionalUser = Authorized


async def _participation(resources: Res) -> Participation:
    return resources.participation


Recorder = Annotated[Participation, Depends(_participation)]


async def _read_cache(resources: Res) -> ReadCache:
    return resources.read_cache


Cache = Annotated[ReadCache, Depends(_read_cache)]


async def _public_names(resources: Res) -> PublicNames:
    return resources.public_names


Names = Annotated[PublicNames, Depends(_public_names)]


async def _author_keys(resources: Res) -> AuthorKeys:
    return resources.author_keys


Keys = Annotated[AuthorKeys, Depends(_author_keys)]


def roles(user: Principal | None) -> list[str]:
    """The roles passed to services, which check them against their permission tables."""
    return sorted(role.value for role in user.roles) if user is not None else []


async def _writer(resources: Res, user: CurrentUser) -> Principal:
    retry_after = await resources.rate_limiter.retry_after(user.account_id)
    if retry_after is not None:
        raise Problem(429, "too many writes; slow down", kind="rate-limited",
                      headers={"Retry-After": str(retry_after)})
    return user


Clients = Annotated[ServiceClients, Depends(_clients)]
Writer = Annotated[Principal, Depends(_writer)]
MAX_CURSOR = 24  # what encode_cursor makes (agora_kit/ids.py); CURSOR_PATTERN says so
CURSOR_RE = re.compile(CURSOR_PATTERN)
MAX_LIMIT = 100
DEFAULT_LIMIT = 20
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page.")]
Cursor = Annotated[str, Query(max_length=MAX_CURSOR,
                              pattern=pattern(CURSOR_PATTERN, "not a cursor this API gave"),
                              description="`next_cursor` of the previous page (opaque).")]
# The leaves of a closed vote session are ordered by voter pseudonym (64 hex digits), the
# Merkle order, so their cursor is one (services/voting/digest.py `is_pseudonym`).
LEAF_CURSOR_PATTERN = r"^([0-9a-f]{64})?$"
LeafCursor = Annotated[str, Query(max_length=64,
                                  pattern=pattern(LEAF_CURSOR_PATTERN,
                                                  "not a cursor this API gave"),
                                  description="`next_cursor` of the previous page (opaque).")]
IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", max_length=200,
           description="Retrying with the same key returns the first result."),
]
