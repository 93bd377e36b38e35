"""The OpenAPI document, derived from what each route uses, so it tells what routes answer.

FastAPI documents a route's success and a generic 422. Everything else a route can answer
follows from the dependencies it uses, the permission table and the one error mapping
(problems.py), so a new route is documented by the same rules without a line of its own:

| the route                                     | can also answer          |
|-----------------------------------------------|--------------------------|
| reads a JSON body                             | 400, 413, 415, 422       |
| has query or header parameters                | 422                      |
| has ids in its path (`existing_id`)           | 404                      |
| reads a token (`deps.reads_token`)            | 401, 403, 503            |
| is not for anonymous callers                  | 401                      |
| is not for every member (permissions.py)      | 403                      |
| concerns a consultation (`scope.py`)          | 401, 403, 404, 503       |
| writes (`deps.Writer`)                        | 429                      |
| calls a service (`deps.Clients`)              | every status of `problems.GRPC_TO_HTTP` |

Every error is the shared `Problem` schema under `application/problem+json` (422:
`ValidationProblem`, which adds `errors`); 429 and 503 carry `Retry-After`. A status a
route declares itself (e.g. `/readyz`'s 503) keeps the route's own description.

`security` follows `deps.reads_token` and the permission table: none where a token is
ignored, the bearer scheme where one is needed, and "optional" (`[{}, {"bearer": []}]`)
where anonymous callers are served but a token changes the answer (admission to a
consultation, one's own reaction).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from services.gateway import deps
from services.gateway.permissions import ANONYMOUS, MEMBERS, PERMISSIONS, action_of, allowed
from services.gateway.problems import (
    GRPC_TO_HTTP,
    PROBLEM_MEDIA_TYPE,
    TITLES,
    ProblemDocument,
    ValidationProblemDocument,
)
from services.gateway.scope import SCOPE_PARAMETERS

PROBLEM_REF = "#/components/schemas/Problem"
VALIDATION_PROBLEM_REF = "#/components/schemas/ValidationProblem"
RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before retrying.",
                               "required": True, "schema": {"type": "integer", "minimum": 0}}}
OPTIONAL_BEARER: list[dict[str, list[str]]] = [{}, {deps.BEARER_SCHEME: []}]
BEARER: list[dict[str, list[str]]] = [{deps.BEARER_SCHEME: []}]


@dataclass(frozen=True)
class Operation:
    route: APIRoute
    method: str

    @property
    def action(self) -> str | None:
        return action_of(self.method, self.route.path)

    @property
    def public(self) -> bool:
        return self.action is not None and allowed(self.action, {ANONYMOUS})

    def security(self) -> list[dict[str, list[str]]]:
        if not deps.reads_token(self.route, self.method):
            return []
        return OPTIONAL_BEARER if self.public else BEARER

    def error_statuses(self) -> set[int]:
        """Every error status this operation can answer, by the rules in the docstring."""
        route = self.route
        dependants = list(_walk(route.dependant))
        statuses: set[int] = set()
        if route.body_field is not None:
            statuses |= {400, 413, 415, 422}
        if any(d.query_params or d.header_params or d.cookie_params for d in dependants):
            statuses.add(422)
        path_names = {p.name for d in dependants for p in d.path_params}
        if path_names:
            statuses.add(404)
        if deps.reads_token(route, self.method):
            statuses |= {401, 403, 503}
        if not self.public:
            statuses.add(401)
        if self.action is None or not PERMISSIONS[self.action] >= MEMBERS:
            statuses.add(403)
        if SCOPE_PARAMETERS & path_names:
            statuses |= {401, 403, 404, 503}
        calls = {d.call for d in dependants}
        if _dependency(deps.Writer) in calls:
            statuses.add(429)
        if _dependency(deps.Clients) in calls:
            statuses |= {status for status, _ in GRPC_TO_HTTP.values()}
        return statuses


def _dependency(alias: Any) -> Callable[..., Any]:
    """The callable behind an `Annotated[..., Depends(f)]` alias of deps.py."""
    call: Callable[..., Any] = alias.__metadata__[0].dependency
    return call


def _walk(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _walk(sub)


def operations(app: FastAPI) -> Iterator[Operation]:
    """Every documented operation; routes of included routers are the ones requests see
    as `scope["route"]` (FastAPI keeps included routers as such)."""
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and route.include_in_schema:
            for method in sorted(route.methods or ()):
                yield Operation(route, method)


def _problem_response(status: int) -> dict[str, Any]:
    ref = VALIDATION_PROBLEM_REF if status == 422 else PROBLEM_REF
    response: dict[str, Any] = {"description": TITLES[status],
                                "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": ref}}}}
    if status in (429, 503):
        response["headers"] = RETRY_AFTER
    return response


def _add_problem_schemas(components: dict[str, Any]) -> None:
    template = "#/components/schemas/{model}"
    for model in (ProblemDocument, ValidationProblemDocument):
        found = model.model_json_schema(ref_template=template)
        components.update(found.pop("$defs", {}))
        components[str(found["title"])] = found
    for name in ("HTTPValidationError", "ValidationError"):  # FastAPI's; we never send them
        components.pop(name, None)


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """`X | None` parameters: a query or header cannot carry a JSON null (it is absent)."""
    options = [o for o in schema.get("anyOf", ()) if o != {"type": "null"}]
    if len(options) != 1 or len(options) == len(schema.get("anyOf", ())):
        return schema
    rest = {k: v for k, v in schema.items() if k != "anyOf"}
    return {**options[0], **rest}


def _closed_maps(node: Any) -> None:
    """`dict[Language, str]` fields: pydantic refuses keys outside `patternProperties`,
    so the document says so (pydantic leaves `additionalProperties` out)."""
    if isinstance(node, dict):
        if "patternProperties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        for value in node.values():
            _closed_maps(value)
    elif isinstance(node, list):
        for value in node:
            _closed_maps(value)


def finish(app: FastAPI, schema: dict[str, Any]) -> dict[str, Any]:
    """FastAPI's document with every operation's errors and security made exact."""
    _add_problem_schemas(schema.setdefault("components", {}).setdefault("schemas", {}))
    _closed_maps(schema["components"]["schemas"])
    for operation in operations(app):
        entry = schema["paths"][operation.route.path_format][operation.method.lower()]
        entry["security"] = operation.security()
        for parameter in entry.get("parameters", []):
            parameter["schema"] = _without_null(parameter["schema"])
        responses = entry["responses"]
        own = {str(status) for status in operation.route.responses}
        if "422" not in own:
            responses.pop("422", None)
        for status in sorted(operation.error_statuses()):
            if str(status) not in own:
                responses[str(status)] = _problem_response(status)
    return schema


def install(app: FastAPI) -> None:
    """Serve the finished document as /openapi.json (built once, on first use)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = finish(app, FastAPI.openapi(app))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
