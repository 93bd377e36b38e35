"""Bad input gets its documented status and a problem+json body, and writes nothing."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from pymongo import AsyncMongoClient

from devstack import processes
from devstack.stack import Stack, StackConfig
from tests.helpers import assert_problem as assert_problem
from tests.helpers import auth, create_consultation, create_thread


async def write_counts(mongo: AsyncMongoClient[dict[str, object]]) -> tuple[int, ...]:
    db = mongo["agora_threads"]
    return tuple([await db[c].count_documents({})
                  for c in ("consultations", "threads", "posts", "outbox")])


@pytest.fixture
async def thread(api: httpx.AsyncClient) -> dict[str, object]:
    return await create_thread(api, await create_consultation(api))


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"body": 42}, "body"),
        ({"body": ""}, "body"),
        ({"body": "x" * 10_001}, "body"),
        ({"body": "ok", "format": "html"}, "format"),
        ({"body": "ok", "language": "english"}, "language"),
        ({"body": "ok", "extra": True}, "extra"),
        ({}, "body"),
        ([1, 2], "body"),
    ],
)
async def test_wrong_post_fields_are_named(
    api: httpx.AsyncClient, thread: dict[str, object], mongo: AsyncMongoClient[dict[str, object]],
    payload: object, field: str,
) -> None:
    before = await write_counts(mongo)
    reply = await api.post(f"/v1/threads/{thread['id']}/posts", json=payload,
                           headers=auth("mallory"))
    assert_problem(reply, 422, field)
    assert await write_counts(mongo) == before


async def test_language_outside_the_consultation_is_refused_by_the_service(
    api: httpx.AsyncClient, thread: dict[str, object], mongo: AsyncMongoClient[dict[str, object]],
) -> None:
    before = await write_counts(mongo)
    reply = await api.post(f"/v1/threads/{thread['id']}/posts",
                           json={"body": "hola", "language": "es"}, headers=auth("mallory"))
    assert_problem(reply, 422, "language")
    assert await write_counts(mongo) == before


@pytest.mark.parametrize(
    "payload",
    [
        {"title": "", "languages": ["en"], "themes": [{"title": "a"}]},
        {"title": "t", "languages": [], "themes": [{"title": "a"}]},
        {"title": "t", "languages": ["en"], "themes": []},
        {"title": "t", "languages": ["en", "en"], "themes": [{"title": "a"}]},
        {"title": "t" * 201, "languages": ["en"], "themes": [{"title": "a"}]},
        {"title": ["t"], "languages": ["en"], "themes": [{"title": "a"}]},
    ],
)
async def test_bad_consultations_are_refused(
    api: httpx.AsyncClient, mongo: AsyncMongoClient[dict[str, object]], payload: object,
) -> None:
    before = await write_counts(mongo)
    assert_problem(await api.post("/v1/consultations", json=payload,
                                  headers=auth("op", "operator")), 422)
    assert await write_counts(mongo) == before


async def test_malformed_json_is_400(api: httpx.AsyncClient, thread: dict[str, object]) -> None:
    reply = await api.post(f"/v1/threads/{thread['id']}/posts", content=b'{"body": "unterminated',
                           headers={**auth("mallory"), "content-type": "application/json"})
    body = assert_problem(reply, 400)
    assert body["type"] == "urn:agora:problem:malformed-request"


async def test_oversized_body_is_413_without_reading_it_all(
    api: httpx.AsyncClient, thread: dict[str, object], mongo: AsyncMongoClient[dict[str, object]],
) -> None:
    before = await write_counts(mongo)
    huge = b'{"body": "' + b"x" * (300 * 1024) + b'"}'
    reply = await api.post(f"/v1/threads/{thread['id']}/posts", content=huge,
                           headers={**auth("mallory"), "content-type": "application/json"})
    assert_problem(reply, 413)

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted while streaming
        for _ in range(40):
            yield b"x" * 8192

    streamed = await api.post(f"/v1/threads/{thread['id']}/posts", content=chunks(),
                              headers={**auth("mallory"), "content-type": "application/json"})
    assert_problem(streamed, 413)
    assert await write_counts(mongo) == before


@pytest.mark.parametrize(
    "path",
    [
        "/v1/threads/000000000000000000000000",
        "/v1/threads/000000000000000000000000/posts",
        "/v1/threads/not-an-id/posts",
        "/v1/consultations/000000000000000000000000",
        "/v1/consultations/000000000000000000000000/threads",
        "/v1/no-such-route",
    ],
)
async def test_unknown_ids_are_404(api: httpx.AsyncClient, path: str) -> None:
    assert_problem(await api.get(path), 404)


async def test_posting_to_an_unknown_thread_is_404_and_writes_nothing(
    api: httpx.AsyncClient, mongo: AsyncMongoClient[dict[str, object]],
) -> None:
    before = await write_counts(mongo)
    reply = await api.post("/v1/threads/000000000000000000000000/posts", json={"body": "x"},
                           headers=auth("mallory"))
    assert_problem(reply, 404)
    assert await write_counts(mongo) == before


async def test_thread_in_a_theme_of_another_consultation_is_refused(
    api: httpx.AsyncClient, mongo: AsyncMongoClient[dict[str, object]],
) -> None:
    mine, theirs = await create_consultation(api), await create_consultation(api)
    their_themes = theirs["themes"]
    assert isinstance(their_themes, list)
    before = await write_counts(mongo)
    reply = await api.post(f"/v1/consultations/{mine['id']}/threads",
                           json={"theme_id": their_themes[0]["id"], "title": "Sneaky"},
                           headers=auth("mallory"))
    assert_problem(reply, 422, "theme_id")
    assert await write_counts(mongo) == before


@pytest.mark.parametrize("header", [None, "Bearer", "Basic abc", "Bearer dev-", "Bearer xyz",
                                    "Bearer dev-a/b"])
async def test_writes_need_a_valid_token(
    api: httpx.AsyncClient, thread: dict[str, object], header: str | None,
) -> None:
    headers = {"Authorization": header} if header else {}
    reply = await api.post(f"/v1/threads/{thread['id']}/posts", json={"body": "x"},
                           headers=headers)
    assert_problem(reply, 401)
    assert reply.headers["www-authenticate"].startswith("Bearer")


async def test_bad_pagination_is_422(api: httpx.AsyncClient, thread: dict[str, object]) -> None:
    url = f"/v1/threads/{thread['id']}/posts"
    assert_problem(await api.get(url, params={"limit": 0}), 422, "query.limit")
    assert_problem(await api.get(url, params={"limit": 101}), 422, "query.limit")
    assert_problem(await api.get(url, params={"cursor": "garbage!"}), 422, "query.cursor")


async def test_request_id_is_echoed_and_generated(api: httpx.AsyncClient) -> None:
    echoed = await api.get("/v1/consultations/0", headers={"X-Request-ID": "req-123"})
    assert echoed.headers["x-request-id"] == "req-123"
    assert echoed.json()["request_id"] == "req-123"
    generated = await api.get("/healthz")
    assert len(generated.headers["x-request-id"]) == 32


async def test_write_rate_limit_is_429_with_retry_after(
    mongo_uri: str, nats_url: str, redis_url: str, stack: Stack, work_dir: Path,
) -> None:
    config = StackConfig.on_free_ports(
        mongo_uri=mongo_uri, nats_url=nats_url, redis_url=redis_url,
        log_dir=work_dir / "ratelimit-logs", extra_env={"WRITE_RATE_PER_MINUTE": "3"},
    )
    config.grpc_ports = stack.config.grpc_ports  # reuse the running services
    gateway = processes.service("gateway", config.env("gateway"), config.log_dir).start()
    try:
        gateway.wait_port()
        async with httpx.AsyncClient(base_url=config.gateway_url, timeout=10) as client:
            account = f"hasty-{time.time_ns()}"
            payload = {"title": "t", "languages": ["en"], "themes": [{"title": "a"}]}
            codes = [(await client.post("/v1/consultations", json=payload,
                                        headers=auth(account, "operator"))).status_code
                     for _ in range(4)]
            assert codes[:3] == [201, 201, 201]
            limited = await client.post("/v1/consultations", json=payload,
                                        headers=auth(account, "operator"))
            assert_problem(limited, 429)
            assert 0 < int(limited.headers["retry-after"]) <= 60
            other = await client.post("/v1/consultations", json=payload,
                                      headers=auth("calm", "operator"))
            assert other.status_code == 201
    finally:
        gateway.stop()


async def test_a_service_down_is_503_with_retry_after_not_a_hang(
    mongo_uri: str, nats_url: str, redis_url: str, stack: Stack, work_dir: Path,
) -> None:
    """A threads process of our own, killed: the gateway answers 503 at once."""
    config = StackConfig.on_free_ports(
        mongo_uri=mongo_uri, nats_url=nats_url, redis_url=redis_url,
        log_dir=work_dir / "down-logs",
    )
    for name in processes.SERVICES:
        if name != "threads":
            config.grpc_ports[name] = stack.config.grpc_ports[name]
    threads = processes.service("threads", config.env("threads"), config.log_dir).start()
    processes.wait_serving(threads, config.address("threads"))
    gateway = processes.service("gateway", config.env("gateway"), config.log_dir).start()
    try:
        gateway.wait_port()
        async with httpx.AsyncClient(base_url=config.gateway_url, timeout=10) as client:
            assert (await client.get("/readyz")).status_code == 200
            created = await client.post(
                "/v1/consultations", headers=auth("op", "operator"),
                json={"title": "t", "languages": ["en"], "themes": [{"title": "a"}]})
            assert created.status_code == 201
            threads.kill()
            started = time.monotonic()
            read = await client.get(f"/v1/consultations/{created.json()['id']}")
            write = await client.post(
                "/v1/consultations", headers=auth("op", "operator"),
                json={"title": "t", "languages": ["en"], "themes": [{"title": "a"}]})
            assert time.monotonic() - started < 5
            for reply in (read, write):
                body = assert_problem(reply, 503)
                assert "threads" in body["detail"]
                assert int(reply.headers["retry-after"]) > 0
            ready = await client.get("/readyz")
            assert ready.status_code == 503
            assert ready.json()["services"]["threads"] == "UNREACHABLE"
    finally:
        gateway.stop()
        threads.stop()


async def test_development_tokens_refuse_unknown_roles(
    api: httpx.AsyncClient, thread: dict[str, object]
) -> None:
    reply = await api.post(f"/v1/threads/{thread['id']}/posts", json={"body": "x"},
                           headers={"Authorization": "Bearer dev-eve~overlord"})
    body = assert_problem(reply, 401)
    assert "overlord" in body["detail"]
    ok = await api.post(f"/v1/threads/{thread['id']}/posts", json={"body": "x"},
                        headers={"Authorization": "Bearer dev-mod~moderator,expert"})
    assert ok.status_code == 201
