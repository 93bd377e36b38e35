"""The OpenAPI document against the code it is derived from, and the answers it promises.

The document is checked against the permission table (security), the one error mapping
(every error is a problem+json `Problem`), and the gateway's real answers for the
errors every route shares (malformed cursors, bodies that are not JSON).
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from services.gateway.auth import Role
from services.gateway.permissions import ANONYMOUS, PERMISSIONS, ROUTES, allowed
from services.gateway.problems import PROBLEM_MEDIA_TYPE, PROBLEM_TYPES
from tests.helpers import assert_problem, auth, create_consultation, create_thread
from tests.voting.support import session_body, sessions_url

METHODS = ("get", "post", "put", "patch", "delete")
Operation = tuple[str, str, dict[str, Any]]


@pytest.fixture
async def document(api: httpx.AsyncClient) -> dict[str, Any]:
    reply = await api.get("/openapi.json")
    assert reply.status_code == 200
    schema: dict[str, Any] = reply.json()
    return schema


def operations(document: dict[str, Any]) -> list[Operation]:
    return [(method.upper(), path, entry) for path, item in document["paths"].items()
            for method, entry in item.items() if method in METHODS]


def test_security_follows_the_permission_table(document: dict[str, Any]) -> None:
    """Protected operations name the bearer scheme; public ones none, or an optional one
    where a token changes the answer (a consultation's admission, one's own data)."""
    assert document["components"]["securitySchemes"] == {
        "bearer": {"type": "http", "scheme": "bearer",
                   "description": "`Authorization: Bearer <access token>`"}}
    for method, path, entry in operations(document):
        action = ROUTES[(method, path)]
        public = allowed(action, {ANONYMOUS})
        security = entry["security"]
        if not public:
            assert security == [{"bearer": []}], (method, path)
        else:
            assert security in ([], [{}, {"bearer": []}]), (method, path)
        scoped = "{consultation_id}" in path or any(
            f"{{{name}}}" in path for name in ("thread_id", "post_id", "session_id"))
        if public and scoped:
            assert security == [{}, {"bearer": []}], (method, path)
        responses = entry["responses"]
        if security:
            assert "401" in responses, (method, path)
            assert "403" in responses, (method, path)
        if not PERMISSIONS[action] >= frozenset(Role):
            assert "403" in responses, (method, path)


def test_probes_login_and_keys_take_no_token(document: dict[str, Any]) -> None:
    for method, path in [("GET", "/healthz"), ("GET", "/readyz"),
                         ("GET", "/.well-known/jwks.json"), ("POST", "/v1/accounts"),
                         ("POST", "/v1/sessions")]:
        assert document["paths"][path][method.lower()]["security"] == [], path


def test_every_error_is_a_shared_problem(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    assert schemas["Problem"]["properties"]["type"]["enum"] == PROBLEM_TYPES
    assert "errors" in schemas["ValidationProblem"]["required"]
    assert "HTTPValidationError" not in schemas
    for method, path, entry in operations(document):
        for status, response in entry["responses"].items():
            if not status.startswith(("4", "5")) or (path, status) == ("/readyz", "503"):
                continue
            content = response["content"]
            assert list(content) == [PROBLEM_MEDIA_TYPE], (method, path, status)
            expected = "ValidationProblem" if status == "422" else "Problem"
            assert content[PROBLEM_MEDIA_TYPE]["schema"] == {
                "$ref": f"#/components/schemas/{expected}"}, (method, path, status)
            if status in ("429", "503"):
                assert response["headers"]["Retry-After"]["required"], (method, path)


# Answered by the gateway alone, from nothing but its own files: never a 503.
STATIC = ("/healthz", "/v1/schemas/deliverable.json")


def test_statuses_follow_what_a_route_uses(document: dict[str, Any]) -> None:
    """Bodies: 400/413/415/422; writes: 429; services: 503; ids in paths: 404."""
    for method, path, entry in operations(document):
        responses = set(entry["responses"])
        if "requestBody" in entry:
            assert {"400", "413", "415", "422"} <= responses, (method, path)
        if "{" in path:
            assert "404" in responses, (method, path)
        if method != "GET" and ROUTES[(method, path)] not in (
                "account.register", "account.verify_email", "account.reset_password",
                "session.login", "session.refresh", "session.sso", "session.logout"):
            assert "429" in responses, (method, path)
        if path not in STATIC:
            assert "503" in responses, (method, path)
    assert set(document["paths"]["/healthz"]["get"]["responses"]) == {"200"}


def paginated(document: dict[str, Any]) -> list[str]:
    return [path for method, path, entry in operations(document) if method == "GET"
            and any(p["name"] == "cursor" for p in entry.get("parameters", []))]


def test_every_cursor_is_documented_alike(document: dict[str, Any]) -> None:
    found = paginated(document)
    assert len(found) >= 5
    for path in found:
        [cursor] = [p for p in document["paths"][path]["get"]["parameters"]
                    if p["name"] == "cursor"]
        # Leaves are paged by voter pseudonym (their Merkle order), the rest by id.
        expected = ("^([0-9a-f]{64})?$" if path.endswith("/leaves")
                    else "^([0-9a-f]{24})?$")
        assert cursor["schema"]["pattern"] == expected, path


@pytest.fixture
async def ids(api: httpx.AsyncClient) -> dict[str, str]:
    consultation = await create_consultation(api)
    thread = await create_thread(api, consultation)
    session = await api.post(sessions_url(str(consultation["id"])), json=session_body(),
                             headers=auth("cursor-chair", "strategist"))
    assert session.status_code == 201, session.text
    return {"consultation_id": str(consultation["id"]), "thread_id": str(thread["id"]),
            "session_id": str(session.json()["id"]), "synthesis_id": "0" * 24}


@pytest.mark.parametrize("cursor", ["é", "\u00ff\u00fe", "%FF", "djE6" + "a" * 32, "A" * 24])
async def test_malformed_cursors_are_422_on_every_paginated_route(
    api: httpx.AsyncClient, document: dict[str, Any], ids: dict[str, str], cursor: str,
) -> None:
    """Was a 500 for non-ASCII cursors (base64 decoding raised ValueError)."""
    staff = auth("cursor-staff", "moderator", "strategist")
    for path in paginated(document):
        url = path.format(**ids)
        reply = await api.get(url, params={"cursor": cursor}, headers=staff)
        assert_problem(reply, 422, "query.cursor")


async def test_a_page_cursor_reads_the_next_page(api: httpx.AsyncClient,
                                                 ids: dict[str, str]) -> None:
    url = f"/v1/threads/{ids['thread_id']}/posts"
    for text in ("one", "two", "three"):
        posted = await api.post(url, json={"body": text}, headers=auth("pager"))
        assert posted.status_code == 201, posted.text
    first = (await api.get(url, params={"limit": 2})).json()
    assert first["next_cursor"] is not None
    second = (await api.get(url, params={"limit": 2, "cursor": first["next_cursor"]})).json()
    assert [p["body"] for p in first["items"] + second["items"]] == ["one", "two", "three"]
    assert second["next_cursor"] is None


async def test_one_problem_type_per_error(api: httpx.AsyncClient, ids: dict[str, str]) -> None:
    """Field errors found by the gateway and by a service read the same; a body that is not
    UTF-8 is the same 400 as one that is not JSON; no body, or another media type, is named
    as such (415, not "body: Field required")."""
    url = f"/v1/threads/{ids['thread_id']}/posts"
    writer = auth("vocabulary")
    by_gateway = assert_problem(await api.post(url, json={"body": ""}, headers=writer), 422,
                                "body")
    by_service = assert_problem(await api.post(url, json={"body": "x", "language": "es"},
                                               headers=writer), 422, "language")
    assert by_gateway["type"] == by_service["type"] == "urn:agora:problem:invalid-request"
    json_type = {**writer, "content-type": "application/json"}
    latin1 = assert_problem(await api.post(url, content='{"body": "café"}'.encode("latin-1"),
                                           headers=json_type), 400)
    not_json = assert_problem(await api.post(url, content=b'{"body": ', headers=json_type), 400)
    assert latin1["type"] == not_json["type"] == "urn:agora:problem:malformed-request"
    empty = assert_problem(await api.post(url, content=b"", headers=json_type), 422, "body")
    assert empty["detail"] == "this request needs a JSON body"
    plain = await api.post(url, content=b"hello", headers={**writer, "content-type": "text/plain"})
    assert_problem(plain, 415)
    untyped = await api.post(url, content=b'{"body": "x"}', headers=writer)
    assert_problem(untyped, 415)


async def test_every_path_allows_exactly_its_documented_methods(
    api: httpx.AsyncClient, document: dict[str, Any], ids: dict[str, str],
) -> None:
    """405 names every documented method of the path (Starlette named one route's)."""
    values = {**ids, "post_id": "0" * 24, "session_id": "0" * 24, "column_id": "0" * 24,
              "account_id": "0" * 24, "role": "moderator", "voter_id": "me",
              "extract_id": "0" * 24, "idea_id": "0" * 24,
              "synthesis_id": "0" * 24, "number": "1", "anchor": "0" * 24,
              "contest_id": "0" * 24, "job_id": "0" * 24, "file_format": "pdf",
              "suggestion_id": "0" * 24, "lang": "en",
              "target_kind": "thread", "target_id": "0" * 24}
    for path, item in document["paths"].items():
        documented = sorted(m.upper() for m in item if m in METHODS)
        reply = await api.request("OPTIONS", path.format(**values))
        assert_problem(reply, 405)
        allow = sorted(m.strip() for m in reply.headers["allow"].split(","))
        assert [m for m in allow if m != "HEAD"] == documented, path


@pytest.mark.parametrize(("title", "accepted"), [
    ("\t", False), ("\u00a0\u3000", False), (" " * 2 + "x" * 199, False),
    (" x ", True), ("x" * 200, True),
])
async def test_texts_are_bounded_as_sent_and_never_blank(
    api: httpx.AsyncClient, document: dict[str, Any], title: str, accepted: bool,
) -> None:
    """Was a schemathesis finding: the gateway trimmed before checking, so a tab (length 1
    in the document) was refused and 201 characters with spaces were accepted. Now what
    the document's pattern and lengths say of a text as sent is what the API does."""
    schema = document["components"]["schemas"]["ConsultationCreate"]["properties"]["title"]
    matches = re.fullmatch(schema["pattern"].strip("^$"), title) is not None
    documented = matches and schema["minLength"] <= len(title) <= schema["maxLength"]
    assert documented is accepted
    reply = await api.post("/v1/consultations", json={
        "title": title, "languages": ["en"], "themes": [{"title": "Work"}]},
        headers=auth("blank-operator", "operator"))
    if accepted:
        assert reply.status_code == 201, reply.text
        assert reply.json()["title"] == title.strip()
    else:
        assert_problem(reply, 422, "title")
