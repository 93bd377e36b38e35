"""The first slice end to end, through the public HTTP API of the running stack."""

from __future__ import annotations

import asyncio

import grpc
import httpx

from agora.v1 import synthesis_pb2, synthesis_pb2_grpc
from devstack.processes import SERVICES, health_status
from devstack.stack import Stack
from tests.helpers import auth, create_consultation, create_thread, eventually, metric_value


async def corpus_stats(stack: Stack, consultation_id: str) -> synthesis_pb2.CorpusStats:
    async with grpc.aio.insecure_channel(stack.config.address("synthesis")) as channel:
        stub = synthesis_pb2_grpc.SynthesisServiceStub(channel)
        stats: synthesis_pb2.CorpusStats = await stub.GetCorpusStats(
            synthesis_pb2.GetCorpusStatsRequest(consultation_id=consultation_id), timeout=5
        )
        return stats


async def test_post_is_read_back_and_its_event_reaches_synthesis(
    api: httpx.AsyncClient, stack: Stack
) -> None:
    consultation = await create_consultation(api)
    thread = await create_thread(api, consultation)
    bodies = [f"Idea number {i}: *evening* classes" for i in range(3)]
    for i, body in enumerate(bodies):
        reply = await api.post(f"/v1/threads/{thread['id']}/posts",
                               json={"body": body, "format": "markdown"},
                               headers=auth(f"participant{i % 2}"))
        assert reply.status_code == 201, reply.text
        assert reply.headers["location"].endswith(reply.json()["id"])

    page = (await api.get(f"/v1/threads/{thread['id']}/posts")).json()
    assert [p["body"] for p in page["items"]] == bodies
    assert page["items"][0]["body_html"] == "<p>Idea number 0: <em>evening</em> classes</p>\n"
    assert page["items"][0]["language"] == "en"
    assert page["next_cursor"] is None

    # The synthesis service, another process, consumed every post.created event.
    stats = await eventually(lambda: corpus_stats(stack, str(consultation["id"])),
                             lambda s: s.contributions >= 3)
    assert (stats.contributions, stats.contributors) == (3, 2)


async def test_cursor_pagination_walks_every_post_once(api: httpx.AsyncClient) -> None:
    thread = await create_thread(api, await create_consultation(api))
    created = []
    for i in range(7):
        reply = await api.post(f"/v1/threads/{thread['id']}/posts", json={"body": f"p{i}"},
                               headers=auth("walker"))
        created.append(reply.json()["id"])
    seen, cursor = [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = (await api.get(f"/v1/threads/{thread['id']}/posts", params=params)).json()
        seen += [p["id"] for p in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == created
    thread_now = (await api.get(f"/v1/threads/{thread['id']}")).json()
    assert thread_now["post_count"] == 7


async def test_listing_threads_of_a_consultation_and_theme(api: httpx.AsyncClient) -> None:
    consultation = await create_consultation(api)
    first = await create_thread(api, consultation)
    themes = consultation["themes"]
    assert isinstance(themes, list)
    other = await api.post(f"/v1/consultations/{consultation['id']}/threads",
                           json={"theme_id": themes[1]["id"], "title": "Elsewhere"},
                           headers=auth("facilitator"))
    everything = (await api.get(f"/v1/consultations/{consultation['id']}/threads")).json()
    assert [t["id"] for t in everything["items"]] == [first["id"], other.json()["id"]]
    only = (await api.get(f"/v1/consultations/{consultation['id']}/threads",
                          params={"theme_id": themes[1]["id"]})).json()
    assert [t["title"] for t in only["items"]] == ["Elsewhere"]


async def test_idempotency_key_creates_once(api: httpx.AsyncClient, stack: Stack) -> None:
    consultation = await create_consultation(api)
    thread = await create_thread(api, consultation)
    headers = {**auth("retrier"), "Idempotency-Key": "post-1"}
    url = f"/v1/threads/{thread['id']}/posts"
    replies = await asyncio.gather(*(api.post(url, json={"body": "once"}, headers=headers)
                                     for _ in range(5)))
    assert {r.status_code for r in replies} == {201}
    assert len({r.json()["id"] for r in replies}) == 1
    reused = await api.post(url, json={"body": "something else"}, headers=headers)
    assert reused.status_code == 422
    assert reused.json()["errors"][0]["field"] == "idempotency_key"
    page = (await api.get(url)).json()
    assert len(page["items"]) == 1
    stats = await eventually(lambda: corpus_stats(stack, str(consultation["id"])),
                             lambda s: s.contributions >= 1)
    await asyncio.sleep(0.5)
    assert (await corpus_stats(stack, str(consultation["id"]))).contributions == 1
    assert stats.contributions == 1


async def test_every_service_is_serving_and_ready(api: httpx.AsyncClient, stack: Stack) -> None:
    for name in SERVICES:
        assert health_status(stack.config.address(name)) == "SERVING", name
    ready = await api.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "redis": "ok",
                            "services": dict.fromkeys(SERVICES, "SERVING")}
    assert (await api.get("/healthz")).json() == {"status": "alive"}


async def test_every_service_exposes_red_metrics_after_traffic(
    api: httpx.AsyncClient, stack: Stack
) -> None:
    consultation = await create_consultation(api)
    await create_thread(api, consultation)
    await api.get("/readyz")  # health checks: traffic on every service
    async with httpx.AsyncClient(timeout=5) as client:
        for name in SERVICES:
            text = (await client.get(
                f"http://127.0.0.1:{stack.config.metrics_ports[name]}/metrics")).text
            assert metric_value(text, "rpc_server_duration_seconds_count", service=name) > 0
            assert "rpc_server_duration_seconds_bucket" in text
        threads = (await client.get(
            f"http://127.0.0.1:{stack.config.metrics_ports['threads']}/metrics")).text
        assert metric_value(threads, "rpc_server_duration_seconds_count",
                            method="/agora.v1.ThreadsService/CreateThread", code="OK") >= 1
    gateway = (await api.get("/metrics")).text
    assert metric_value(gateway, "http_server_request_duration_seconds_count",
                        route="/v1/consultations", method="POST", status="201") >= 1


async def test_openapi_is_served_with_clean_operation_ids(api: httpx.AsyncClient) -> None:
    schema = (await api.get("/openapi.json")).json()
    ids = {op["operationId"] for path in schema["paths"].values() for op in path.values()}
    assert {"threads-create_post", "threads-list_posts", "consultations-create"} <= ids
    assert (await api.get("/docs")).status_code == 200
