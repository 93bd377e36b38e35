"""RFC 9457 problem details: the one place errors become HTTP responses.

One vocabulary: each status has one problem type (`urn:agora:problem:<kind>`) and one
title, whether the gateway or a service found the error (409 alone has two kinds,
`conflict` and `failed-precondition`, which tell a client different things to do).
Validation errors name each offending field; gRPC statuses map to their HTTP meaning;
an unavailable or too slow service is a 503 with Retry-After; anything unexpected is
logged with its traceback and answered with a generic 500 body. The OpenAPI document
describes these bodies with the models below (contract.py).
"""

from __future__ import annotations

import logging
from typing import Any

import grpc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel, ConfigDict, Field, JsonValue
from starlette.exceptions import HTTPException

from agora_kit.errors import FIELD_METADATA_KEY

log = logging.getLogger(__name__)
PROBLEM_MEDIA_TYPE = "application/problem+json"
RETRY_AFTER_SECONDS = 5

# status -> (title, its kinds; the first is the default)
VOCABULARY: dict[int, tuple[str, tuple[str, ...]]] = {
    400: ("Malformed request", ("malformed-request",)),
    401: ("Authentication required", ("unauthenticated",)),
    403: ("Forbidden", ("forbidden",)),
    404: ("Not found", ("not-found",)),
    405: ("Method not allowed", ("method-not-allowed",)),
    409: ("Conflict", ("conflict", "failed-precondition")),
    413: ("Request body too large", ("body-too-large",)),
    415: ("Unsupported media type", ("unsupported-media-type",)),
    422: ("Invalid request", ("invalid-request",)),
    429: ("Too many requests", ("rate-limited",)),
    500: ("Internal error", ("internal-error",)),
    503: ("Service unavailable", ("service-unavailable",)),
}
TITLES = {status: title for status, (title, _) in VOCABULARY.items()}
TYPE_PREFIX = "urn:agora:problem:"
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


PROBLEM_TYPES: list[JsonValue] = [
    TYPE_PREFIX + kind for kind in sorted(k for _, kinds in VOCABULARY.values() for k in kinds)]


class FieldError(BaseModel):
    field: str = Field(description="Where: a body path (`themes.0.title`), `query.<name>`, "
                       "`header.<name>` or a field the service named.")
    message: str


class ProblemDocument(BaseModel):
    """An RFC 9457 problem (`application/problem+json`)."""

    model_config = ConfigDict(title="Problem", extra="allow")
    type: str = Field(json_schema_extra={"enum": PROBLEM_TYPES})
    title: str
    status: int = Field(ge=400, le=599)
    detail: str
    instance: str = Field(description="The path of the request.")
    request_id: str = Field(description="Also in the `X-Request-ID` header.")


class ValidationProblemDocument(ProblemDocument):
    """A 422 problem: `errors` names every offending field (empty when the service that
    refused did not name one)."""

    model_config = ConfigDict(title="ValidationProblem", extra="allow")
    errors: list[FieldError]


class Problem(Exception):
    """Raise anywhere in the gateway to answer with a problem document."""

    def __init__(
        self, status: int, detail: str, *, kind: str | None = None,
        headers: dict[str, str] | None = None, **extensions: Any,
    ) -> None:
        super().__init__(detail)
        kinds = VOCABULARY[status][1] if status in VOCABULARY else ("error",)
        if kind is not None and kind not in kinds:
            raise ValueError(f"a {status} problem is one of {kinds}, not {kind!r}")
        if status == 422:
            extensions.setdefault("errors", [])
        self.status = status
        self.detail = detail
        self.kind = kind or kinds[0]
        self.headers = headers or {}
        self.extensions = extensions


def problem_body(problem: Problem, path: str | None, request_id: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": TYPE_PREFIX + problem.kind,
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
        return Problem(500, "an unexpected error occurred")
    field = dict(error.trailing_metadata() or ()).get(FIELD_METADATA_KEY)
    extensions: dict[str, Any] = {}
    if field and status == 422:
        extensions["errors"] = [{"field": field, "message": error.details()}]
    return Problem(status, error.details() or TITLES[status], kind=kind, **extensions)


def _field_path(location: tuple[Any, ...]) -> str:
    parts = [str(p) for p in location if p not in ("body",)]
    return ".".join(parts) or "body"


NO_BODY = "this request needs a JSON body"
PATTERN_MESSAGES: dict[str, str] = {}


def pattern(regex: str, message: str) -> str:
    """A schema pattern with the message a client reads when a value does not match it
    (rather than the regex itself)."""
    PATTERN_MESSAGES[regex] = message
    return regex


def _message(error: Any) -> str:
    if tuple(error["loc"]) == ("body",) and error.get("type") == "missing":
        return NO_BODY
    if error.get("type") == "string_pattern_mismatch":
        return PATTERN_MESSAGES.get(str(error.get("ctx", {}).get("pattern")), str(error["msg"]))
    return str(error["msg"])


async def _on_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    if any(error.get("type") == "json_invalid" for error in errors):
        return problem_response(Problem(400, "the body is not valid JSON"), request)
    fields = [{"field": _field_path(tuple(e["loc"])), "message": _message(e)} for e in errors]
    detail = "; ".join(f["message"] if f["field"] == "body" else f"{f['field']}: {f['message']}"
                       for f in fields)
    return problem_response(Problem(422, detail, errors=fields), request)


async def _on_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    detail, headers = str(exc.detail), dict(exc.headers or {})
    if exc.status_code == 400:  # FastAPI could not read the body (e.g. not UTF-8)
        detail = "the body is not valid JSON (UTF-8)"
    if exc.status_code == 405:  # Starlette names the methods of one route of this path only
        headers["Allow"] = ", ".join(_methods_at(request))
        detail = f"{request.method} is not allowed here; use {headers['Allow']}"
    return problem_response(Problem(exc.status_code, detail, headers=headers), request)


def _methods_at(request: Request) -> list[str]:
    """The methods of the path's own routes: of the most literal ones that match, so that
    `/v1/accounts/verification` does not count `GET /v1/accounts/{account_id}`."""
    matching = [route for context in iter_route_contexts(request.app.routes)
                if isinstance(route := context.original_route, APIRoute)
                and route.path_regex.fullmatch(request.url.path)]
    fewest = min((route.path.count("{") for route in matching), default=0)
    return sorted({method for route in matching if route.path.count("{") == fewest
                   for method in route.methods or ()})


async def _on_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    return problem_response(exc, request)


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem_response(Problem(500, "an unexpected error occurred"), request)


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(HTTPException, _on_http)
    app.add_exception_handler(Problem, _on_problem)
    app.add_exception_handler(Exception, _on_unexpected)
