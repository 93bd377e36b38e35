"""One user action is one trace: HTTP at the gateway → gRPC in threads → NATS → consumer.

The test has a NATS server of its own: its consumer starts at the stream's beginning, as
every durable consumer does, and on the suite's shared server that is every post the
earlier tests wrote — on a loaded CI machine, more than the test's deadline to work through.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from agora_kit.events.consumer import ConsumerSpec
from agora_kit.runtime import ServiceRuntime
from agora_kit.telemetry import configure_tracing
from devstack import processes
from devstack.processes import free_port
from services.gateway.app import create_app
from services.gateway.config import GatewaySettings
from services.synthesis.app import SynthesisApp
from services.synthesis.config import SynthesisSettings
from services.threads.app import ThreadsApp
from services.threads.config import ThreadsSettings
from tests.helpers import auth, create_consultation, create_thread, eventually

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{TRACE_ID}-00f067aa0ba902b7-01"


@pytest.fixture
def own_nats_url(tmp_path: Path) -> Iterator[str]:
    child = processes.nats(free_port(), tmp_path / "nats", tmp_path / "logs").start()
    child.wait_port()
    yield f"nats://127.0.0.1:{child.port}"
    child.stop()


async def test_one_trace_spans_gateway_threads_and_consumer(
    mongo_uri: str, own_nats_url: str, redis_url: str
) -> None:
    nats_url = own_nats_url
    exporter = InMemorySpanExporter()
    configure_tracing("agora-test", extra_processor=SimpleSpanProcessor(exporter))
    threads_settings = ThreadsSettings(threads_database="trace_threads", grpc_port=free_port(),
                                       mongo_uri=mongo_uri, nats_url=nats_url)
    synthesis_settings = SynthesisSettings(synthesis_database="trace_synthesis",
                                           grpc_port=free_port(), mongo_uri=mongo_uri,
                                           nats_url=nats_url)
    threads = ServiceRuntime(ThreadsApp(threads_settings), threads_settings)
    synthesis = ServiceRuntime(
        SynthesisApp(synthesis_settings, corpus_consumer=ConsumerSpec(
            durable="trace-test-corpus", filter_subjects=["agora.*.post.created"]),
            consumer_prefix="trace-test"),
        synthesis_settings,
    )
    await threads.start()
    await synthesis.start()
    app = create_app(GatewaySettings(threads_addr=f"127.0.0.1:{threads.port}",
                                     synthesis_addr=f"127.0.0.1:{synthesis.port}",
                                     redis_url=redis_url))
    try:
        async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gateway"
        ) as api:
            thread = await create_thread(api, await create_consultation(api))
            reply = await api.post(f"/v1/threads/{thread['id']}/posts", json={"body": "traced"},
                                   headers={**auth("tracer"), "traceparent": TRACEPARENT})
            assert reply.status_code == 201

            def in_trace() -> list[tuple[str, SpanKind]]:
                return [(s.name, s.kind) for s in exporter.get_finished_spans()
                        if s.context is not None
                        and format(s.context.trace_id, "032x") == TRACE_ID]

            async def spans() -> list[tuple[str, SpanKind]]:
                return in_trace()

            names = await eventually(spans,
                                     lambda found: ("process post.created", SpanKind.CONSUMER)
                                     in found)
    finally:
        await synthesis.stop()
        await threads.stop()
    assert ("POST /v1/threads/{thread_id}/posts", SpanKind.SERVER) in names
    assert ("agora.v1.ThreadsService/CreatePost", SpanKind.CLIENT) in names
    assert ("agora.v1.ThreadsService/CreatePost", SpanKind.SERVER) in names
    assert ("publish post.created", SpanKind.PRODUCER) in names
