"""ASGI middleware: request ids, a trace span and RED metrics per request, body limits."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from typing import Any

from opentelemetry import trace
from opentelemetry.trace import SpanKind
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agora_kit.metrics import HTTP_SERVER_DURATION
from agora_kit.telemetry import extract_context
from services.gateway.problems import PROBLEM_MEDIA_TYPE, Problem, problem_body

log = logging.getLogger("agora.gateway.access")
tracer = trace.get_tracer(__name__)
REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class ObservedRequests:
    """Gives every request an id (X-Request-ID, echoed), a SERVER span and a histogram entry."""

    def __init__(self, app: ASGIApp, service: str = "gateway") -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        request_id = headers.get("x-request-id", "")
        if not REQUEST_ID.match(request_id):
            request_id = uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        method: str = scope["method"]
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []),
                                      (b"x-request-id", request_id.encode())]
            await send(message)

        with tracer.start_as_current_span(
            method, context=extract_context(headers), kind=SpanKind.SERVER
        ) as span:
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                route = getattr(scope.get("route"), "path", "unmatched")
                elapsed = time.perf_counter() - started
                span.update_name(f"{method} {route}")
                span.set_attribute("http.request.method", method)
                span.set_attribute("http.route", route)
                span.set_attribute("http.response.status_code", status)
                HTTP_SERVER_DURATION.labels(self.service, method, route, str(status)).observe(
                    elapsed
                )
                log.info(
                    "request",
                    extra={"method": method, "route": route, "status": status,
                           "duration_ms": round(elapsed * 1000, 2), "request_id": request_id},
                )


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body exceeds {limit} bytes")


class BodySizeLimit:
    """Refuses bodies over max_bytes, by Content-Length up front or while streaming."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _send_too_large(send, self.max_bytes, scope)
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        await self.app(scope, limited, send)


async def _send_too_large(send: Send, limit: int, scope: Scope) -> None:
    body: dict[str, Any] = problem_body(
        Problem(413, f"the request body exceeds {limit} bytes"), scope["path"],
        scope.get("state", {}).get("request_id"),
    )
    payload = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", PROBLEM_MEDIA_TYPE.encode()),
                            (b"content-length", str(len(payload)).encode())]})
    await send({"type": "http.response.body", "body": payload})
