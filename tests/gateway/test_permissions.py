"""The permission matrix: every route of the OpenAPI schema, for every role and anonymous.

For each route the expected outcome comes from the permission table: a caller whose
roles the table allows must not be refused (401/403), any other must be (401 when
anonymous, 403 when authenticated). A route missing from the table fails here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from agora_kit.ids import encode_cursor
from devstack import processes
from devstack.stack import Stack, StackConfig
from services.gateway.auth import Role
from services.gateway.permissions import ANONYMOUS, PERMISSIONS, ROUTES, allowed
from tests.helpers import auth, create_consultation, create_thread

CALLERS: list[str | None] = [None, *Role]
METHODS = ("get", "post", "put", "patch", "delete")
# Served, but not part of the public API schema (tests/gateway/test_docs.py checks that
# every served route is in the table).
HIDDEN_ROUTES = {("GET", "/metrics"), ("GET", "/openapi.json"), ("GET", "/docs"),
                 ("GET", "/redoc"), ("GET", "/docs/assets/{name}"),
                 ("GET", "/"), ("GET", "/assets/{name}")}


def fill(path: str, ids: dict[str, str]) -> str:
    for name, value in ids.items():
        path = path.replace("{" + name + "}", value)
    assert "{" not in path, f"no test value for a parameter of {path}"
    return path


@pytest.fixture
async def ids(api: httpx.AsyncClient) -> dict[str, str]:
    consultation = await create_consultation(api)
    thread = await create_thread(api, consultation)
    post = await api.post(f"/v1/threads/{thread['id']}/posts", json={"body": "Matrix"},
                          headers=auth("matrix-author"))
    assert post.status_code == 201, post.text
    return {"consultation_id": str(consultation["id"]), "thread_id": str(thread["id"]),
            "post_id": post.json()["id"], "account_id": "0" * 24, "role": "moderator",
            "column_id": "0" * 24, "session_id": "0" * 24, "voter_id": "someone",
            "extract_id": "0" * 24, "idea_id": "0" * 24,
            "synthesis_id": "0" * 24, "number": "1", "anchor": "0" * 24, "contest_id": "0" * 24,
            "job_id": "0" * 24, "file_format": "pdf", "suggestion_id": "0" * 24, "lang": "en",
            "target_kind": "thread", "target_id": str(thread["id"])}


async def test_every_route_obeys_the_permission_table(api: httpx.AsyncClient,
                                                      ids: dict[str, str]) -> None:
    schema: dict[str, Any] = (await api.get("/openapi.json")).json()
    operations = [(method.upper(), path) for path, item in schema["paths"].items()
                  for method in item if method in METHODS]
    missing = [op for op in operations if op not in ROUTES]
    assert not missing, f"routes without an entry in permissions.ROUTES: {missing}"
    checked = 0
    for method, path in operations:
        action = ROUTES[(method, path)]
        url = fill(path, {**ids, "account_id": "me"} if path.startswith("/v1/accounts") else ids)
        for caller in CALLERS:
            headers = {"Authorization": f"Bearer dev-matrix-{caller}~{caller}"} if caller else {}
            roles = {Role.PARTICIPANT, caller} if caller else {ANONYMOUS}
            body: dict[str, str] | None = {} if method in ("POST", "PUT", "PATCH") else None
            # Streamed, so that an allowed live stream (SSE) is judged by its status alone.
            async with api.stream(method, url, json=body, headers=headers) as reply:
                status = reply.status_code
            if allowed(action, roles):
                assert status not in (401, 403), (method, path, caller, status)
            else:
                expected = 401 if caller is None else 403
                assert status == expected, (method, path, caller, status)
            checked += 1
    assert checked == len(operations) * len(CALLERS)


async def test_the_table_names_only_real_routes_and_known_actions(
    api: httpx.AsyncClient,
) -> None:
    schema: dict[str, Any] = (await api.get("/openapi.json")).json()
    operations = {(method.upper(), path) for path, item in schema["paths"].items()
                  for method in item if method in METHODS}
    assert set(ROUTES) - operations == HIDDEN_ROUTES
    assert (await api.get("/metrics")).status_code == 200
    assert set(ROUTES.values()) <= set(PERMISSIONS)


def test_operators_create_consultations_and_participants_do_not() -> None:
    assert allowed("consultation.create", {Role.OPERATOR})
    assert not allowed("consultation.create", {Role.PARTICIPANT, Role.STRATEGIST})
    assert not allowed("role.grant", {Role.PARTICIPANT, Role.MODERATOR})
    assert not allowed("post.create", {ANONYMOUS})


async def test_probes_do_not_depend_on_identity_and_lists_fail_closed_without_it(
    api: httpx.AsyncClient, stack: Stack, work_dir: Path
) -> None:
    """The authorisation dependency runs on every route, but asks identity only when needed.
    The consultation list shows only what identity admits the caller to, so without
    identity it answers 503 rather than list a consultation it cannot judge."""
    fresh = await create_consultation(api)  # nobody's admission to it is cached yet
    just_before = encode_cursor(f"{int(str(fresh['id']), 16) - 1:024x}")
    config = StackConfig.on_free_ports(
        mongo_uri=stack.config.mongo_uri, nats_url=stack.config.nats_url,
        redis_url=stack.config.redis_url, log_dir=work_dir / "no-identity-logs")
    for name in ("threads", "voting", "translation", "synthesis"):
        config.grpc_ports[name] = stack.config.grpc_ports[name]  # identity: nobody listens
    gateway = processes.service("gateway", config.env("gateway"), config.log_dir).start()
    try:
        gateway.wait_port()
        async with httpx.AsyncClient(base_url=config.gateway_url, timeout=10) as client:
            assert (await client.get("/healthz")).status_code == 200
            ready = await client.get("/readyz")
            assert ready.status_code == 503
            assert ready.json()["services"]["identity"] == "UNREACHABLE"
            listed = await client.get("/v1/consultations", params={"cursor": just_before})
            assert listed.status_code == 503, listed.text
            assert "future of work" not in listed.text.lower()
            login = await client.post("/v1/sessions",
                                      json={"email": "a@b.example", "password": "x" * 12})
            assert login.status_code == 503
    finally:
        gateway.stop()
