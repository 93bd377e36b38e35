"""A repeated page read answered before FastAPI, from what this process already holds.

Why: reading a page is the platform's hottest request (most of a consultation's audience
only reads), and once its answer is cached the remaining cost was FastAPI itself —
routing among ~80 routes, dependency solving, request objects — several times the work
of the answer. This ASGI layer sits inside the request middleware (so the request id,
span and metrics are the same as for any request) and answers `GET
/v1/threads/{id}/posts` only when everything it needs is already in this process:

- the caller's token verifies, and `deps.admit` — the same check `authorize` runs —
  admits them, from the consultation and access answers this process holds;
- the caller is not a moderator (moderators read through the service);
- `ReadCache.local_answer` has the answer, built on generations known to be current.

Anything else — a miss, an odd parameter, a refusal, an error — goes to the application
unchanged, which answers it the usual way (and fills the caches for the next time).
"""

from __future__ import annotations

import logging
import re
from urllib.parse import parse_qs

from fastapi.routing import APIRoute
from prometheus_client import Counter
from starlette.datastructures import State
from starlette.types import ASGIApp, Receive, Scope, Send

from agora_kit.ids import CURSOR_PATTERN, is_valid_id
from services.gateway.auth import InvalidToken, Principal
from services.gateway.deps import MAX_CURSOR, admit
from services.gateway.permissions import action_of, allowed
from services.gateway.problems import Problem
from services.gateway.read_cache import Answer, PageRequest
from services.gateway.scope import consultation_of

log = logging.getLogger(__name__)
ROUTE = "/v1/threads/{thread_id}/posts"
PATH = re.compile(r"/v1/threads/([^/]+)/posts")
ACTION = action_of("GET", ROUTE)
DEFAULT_LIMIT, MAX_LIMIT = 20, 100  # as deps.Limit declares them
CURSOR = re.compile(CURSOR_PATTERN)
ANSWERED = Counter("agora_page_reads_from_process_total",
                   "Thread page reads answered from the gateway process's own cache.")


class FastPageReads:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._route: APIRoute | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = (PATH.fullmatch(scope["path"])
                 if scope["type"] == "http" and scope["method"] == "GET" else None)
        if found is not None:
            try:
                answer = await self._answer(scope, found[1])
            except Exception:  # an optimisation must never fail a read: take the full path
                log.warning("fast page read failed; reading through", exc_info=True)
                answer = None
            if answer is not None:
                ANSWERED.inc()
                scope["route"] = self._route_of(scope)  # the metrics' route label
                await _send(send, answer, _header(scope, b"if-none-match"))
                return
        await self.app(scope, receive, send)

    async def _answer(self, scope: Scope, thread_id: str) -> Answer | None:
        if not is_valid_id(thread_id):
            return None
        query = parse_qs(scope["query_string"].decode("latin-1"), keep_blank_values=True)
        if any(len(values) != 1 for values in query.values()):
            return None
        limit_text = query.get("limit", [str(DEFAULT_LIMIT)])[0]
        cursor = query.get("cursor", [""])[0]
        if (not (limit_text.isascii() and limit_text.isdigit()) or len(cursor) > MAX_CURSOR
                or not CURSOR.match(cursor)):
            return None
        limit = int(limit_text)
        if not 1 <= limit <= MAX_LIMIT:
            return None
        state: State = scope["app"].state
        try:
            caller = await _caller(state, _header(scope, b"authorization"))
            viewer = await admit(state, ACTION, {"thread_id": thread_id}, caller)
        except (_ReadThrough, Problem):  # the application answers, with its problem
            return None
        if viewer is not None and allowed("post.moderate", viewer.roles):
            return None
        consultation = await consultation_of({"thread_id": thread_id}, state.clients,
                                             state.redis)
        reader = viewer.account_id if viewer else ""
        answer: Answer | None = state.read_cache.local_answer(
            PageRequest(thread_id, cursor, limit, reader, consultation or ""))
        if answer is not None and viewer is not None and answer.theme_id:
            await state.participation.record(consultation_id=answer.consultation_id,
                                             theme_id=answer.theme_id,
                                             account_id=viewer.account_id, level="read")
        return answer

    def _route_of(self, scope: Scope) -> APIRoute | None:
        if self._route is None:
            self._route = next((r for r in scope["app"].routes if isinstance(r, APIRoute)
                                and r.path == ROUTE and "GET" in (r.methods or ())), None)
        return self._route


class _ReadThrough(Exception):
    """Leave this request to the application."""


async def _caller(state: State, authorization: str | None) -> Principal | None:
    """The verified caller, None when anonymous; _ReadThrough for a malformed header or
    a token that does not verify (the application answers those)."""
    if authorization is None:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise _ReadThrough
    try:
        principal: Principal = await state.verifier.verify(token)
    except InvalidToken:
        raise _ReadThrough from None
    return principal


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


async def _send(send: Send, answer: Answer, if_none_match: str | None) -> None:
    """What routes/threads.py `cacheable` sends: the JSON with its ETag, or 304."""
    headers = [(b"etag", answer.etag.encode()), (b"cache-control", b"private, no-cache")]
    if if_none_match is not None and answer.etag in {t.strip() for t in if_none_match.split(",")}:
        await send({"type": "http.response.start", "status": 304, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
        return
    headers += [(b"content-type", b"application/json"),
                (b"content-length", str(len(answer.body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": answer.body})
