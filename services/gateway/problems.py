"""RFC 9457 problem details: the one place errors become HTTP responses.

Validation errors name each offending field; gRPC statuses map to their HTTP meaning;
an unavailable or too slow service is a 503 with Retry-After; anything unexpected is
logged with its traceback and answered with a generic 500 body.
"""

from __future__ import annotations

import logging
from typing import Any

import grpc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from agora_kit.errors import FIELD_METADATA_KEY

log = logging.getLogger(__name__)
PROBLEM_MEDIA_TYPE = "application/problem+json"
RETRY_AFTER_SECONDS = 5

GRPC_TO_HTTP: dict[grpc.StatusCode, tuple[int, str]] = {
    grpc.StatusCode.INVALID_ARGUMENT: (422, "invalid-request"),
    grpc.StatusCode.OUT_OF_RANGE: (422, "invalid-request"),
    grpc.StatusCode.NOT_FOUND: (404, "not-found"),
    grpc.StatusCode.ALREADY_EXISTS: (409, "conflict"),
    grpc.StatusCode.ABORTED: (409, "conflict"),
    grpc.StatusCode.FAILED_PRECONDITION: (409, "failed-precondition"),
    grpc.StatusCode.PERMISSION_DENIED: (403, "forbidden"),
    grpc.StatusCode.UNAUTHENTICATED: (401, "unauthenticated"),
    grpc.StatusCode.RESOURCE_EXHAUSTED: (429, "rate-limited"),
    grpc.StatusCode.UNAVAILABLE: (503, "service-unavailable"),
    grpc.StatusCode.DEADLINE_EXCEEDED: (503, "service-unavailable"),
}
TITLES = {
    400: "Malformed request",
    401: "Authentication required",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request body too large",
    415: "Unsupported media type",
    422: "Invalid request",
    429: "Too many requests",
    500: "Internal error",
    503: "Service unavailable",
}


class Problem(Exception):
    """Raise anywhere in the gateway to answer with a problem document."""

    def __init__(
        self, status: int, detail: str, *, kind: str | None = None,
        headers: dict[str, str] | None = None, **extensions: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.kind = kind or TITLES.get(status, "error").lower().replace(" ", "-")
        self.headers = headers or {}
        self.extensions = extensions


def problem_body(problem: Problem, path: str | None, request_id: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": f"urn:agora:problem:{problem.kind}",
        "title": TITLES.get(problem.status, "Error"),
        "status": problem.status,
        "detail": problem.detail,
        **problem.extensions,
    }
    if path is not None:
        body["instance"] = path
    if request_id:
        body["request_id"] = request_id
    return body


def problem_response(problem: Problem, request: Request | None = None) -> JSONResponse:
    body = problem_body(
        problem,
        request.url.path if request is not None else None,
        getattr(request.state, "request_id", None) if request is not None else None,
    )
    return JSONResponse(body, status_code=problem.status, headers=problem.headers,
                        media_type=PROBLEM_MEDIA_TYPE)


def from_rpc_error(error: grpc.aio.AioRpcError, service: str) -> Problem:
    status, kind = GRPC_TO_HTTP.get(error.code(), (500, "internal-error"))
    if status == 503:
        return Problem(503, f"the {service} service is unavailable; retry shortly", kind=kind,
                       headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
    if status == 500:
        log.error("unexpected status from %s: %s %s", service, error.code(), error.details())
        return Problem(500, "an unexpected error occurred", kind="internal-error")
    field = dict(error.trailing_metadata() or ()).get(FIELD_METADATA_KEY)
    extensions: dict[str, Any] = {}
    if field and status == 422:
        extensions["errors"] = [{"field": field, "message": error.details()}]
    return Problem(status, error.details() or kind, kind=kind, **extensions)


def _field_path(location: tuple[Any, ...]) -> str:
    parts = [str(p) for p in location if p not in ("body",)]
    return ".".join(parts) or "body"


async def _on_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    if any(error.get("type") == "json_invalid" for error in errors):
        return problem_response(Problem(400, "the body is not valid JSON", kind="malformed-json"),
                                request)
    fields = [{"field": _field_path(tuple(e["loc"])), "message": e["msg"]} for e in errors]
    detail = "; ".join(f"{f['field']}: {f['message']}" for f in fields)
    return problem_response(Problem(422, detail, kind="validation", errors=fields), request)


async def _on_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    return problem_response(
        Problem(exc.status_code, str(exc.detail), headers=dict(exc.headers or {})), request
    )


async def _on_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    return problem_response(exc, request)


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem_response(Problem(500, "an unexpected error occurred", kind="internal-error"),
                            request)


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(HTTPException, _on_http)
    app.add_exception_handler(Problem, _on_problem)
    app.add_exception_handler(Exception, _on_unexpected)
