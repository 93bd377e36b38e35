"""The posts page's entry before FastAPI: the same pipeline, without the framework's cost.

Why: once a page's answer is cached, what remained of a read was FastAPI itself —
routing among ~80 routes and solving a dozen dependencies cost 0.4 to 0.5 ms of CPU per
request, four times the answer (docs/benchmarks/threads.md). This ASGI layer, inside
the request middleware (so the request id, span and metrics are those of any request),
takes `GET /v1/threads/{id}/posts` and runs the route's own steps (posts_page.py): the
route's limits, `deps.admit`, the reader's language, the page cache's tiers,
participation, the ETag.

It only leaves out what FastAPI words: a query outside the route's limits, a token
that does not verify, a refusal or a failure go to the application, which runs the
same pipeline and answers with its problem.
"""

from __future__ import annotations

import logging
import re

from fastapi.routing import APIRoute, iter_route_contexts
from starlette.types import ASGIApp, Receive, Scope, Send

from services.gateway.auth import InvalidToken, Principal
from services.gateway.deps import admit, resources_of
from services.gateway.languages import MAX_ACCEPT_LANGUAGE
from services.gateway.problems import Problem
from services.gateway.reads.posts_page import ACTION, ROUTE, PageQuery, read_page, sent
from services.gateway.resources import Resources

log = logging.getLogger(__name__)
PATH = re.compile(r"/v1/threads/([^/]+)/posts")


class PostsPageDoor:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._route: APIRoute | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = (PATH.fullmatch(scope["path"])
                 if scope["type"] == "http" and scope["method"] == "GET" else None)
        query = PageQuery.parse(found[1], scope["query_string"]) if found else None
        if query is not None:
            try:
                answered = await self._answer(scope, query)
            except (_ToTheRoute, Problem):  # the application words its answer
                answered = None
            except Exception:  # the application answers, as for any other failure
                log.warning("posts page failed before the application; retrying there",
                            exc_info=True)
                answered = None
            if answered is not None:
                scope["route"] = self._route_of(scope)  # the metrics' route label
                status, headers, body = answered
                headers.append((b"content-length", str(len(body)).encode()))
                await send({"type": "http.response.start", "status": status,
                            "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)

    async def _answer(self, scope: Scope,
                      query: PageQuery) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        resources = resources_of(scope["app"])
        caller = await _caller(resources, _header(scope, b"authorization"))
        viewer = await admit(resources, ACTION, {"thread_id": query.thread_id}, caller)
        accept_language = _header(scope, b"accept-language")
        if accept_language is not None and len(accept_language) > MAX_ACCEPT_LANGUAGE:
            raise _ToTheRoute  # the route words the 422
        answer = await read_page(resources, query, viewer, accept_language)
        return sent(answer, _header(scope, b"if-none-match"))

    def _route_of(self, scope: Scope) -> APIRoute | None:
        if self._route is None:
            # Through the included routers: the app's own list holds them, not their routes.
            self._route = next((r for c in iter_route_contexts(scope["app"].routes)
                                if isinstance(r := c.original_route, APIRoute)
                                and r.path == ROUTE and "GET" in (r.methods or ())), None)
        return self._route


class _ToTheRoute(Exception):
    """Leave this request to the application."""


async def _caller(resources: Resources, authorization: str | None) -> Principal | None:
    """The verified caller, None when anonymous; _ToTheRoute for a malformed header or a
    token that does not verify (the application words the 401)."""
    if authorization is None:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise _ToTheRoute
    try:
        principal: Principal = await resources.verifier.verify(token)
    except InvalidToken:
        raise _ToTheRoute from None
    return principal


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None
