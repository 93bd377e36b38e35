"""One ballot is one trace: the gateway's HTTP span, its gRPC call, voting's handling and
its event's publication — exported over OTLP by the real processes to a collector
endpoint, as `telemetry.otlpEndpoint` configures them in the chart — continued by the
event's consumer.

Nothing in the services consumes `ballot.submitted` yet, so the downstream consumer is a
durable consumer of the shared machinery (agora_kit's EventConsumer, the one every
service runs) declared by this test on the ballot subject; its spans are collected in
process.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import httpx
import pytest
from nats.aio.client import Client as NatsClient
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from agora.v1 import events_pb2
from agora_kit.events.consumer import ConsumerSpec, EventConsumer
from agora_kit.mongo import Client, Session
from agora_kit.telemetry import configure_tracing
from devstack import processes
from devstack.stack import Stack, StackConfig
from tests.helpers import auth, eventually
from tests.voting.support import allocation, create_session, ids

TRACE_ID = "5bf92f3577b34da6a3ce929d0e0e4737"
TRACEPARENT = f"00-{TRACE_ID}-00f067aa0ba902b8-01"
KINDS = {1: SpanKind.INTERNAL, 2: SpanKind.SERVER, 3: SpanKind.CLIENT, 4: SpanKind.PRODUCER,
         5: SpanKind.CONSUMER}


@dataclass(frozen=True)
class Exported:
    service: str
    name: str
    kind: SpanKind
    trace_id: str
    span_id: str


class Collector(trace_service_pb2_grpc.TraceServiceServicer):
    """An OTLP/gRPC trace endpoint keeping what it receives."""

    def __init__(self) -> None:
        self.spans: list[Exported] = []

    async def Export(self, request: trace_service_pb2.ExportTraceServiceRequest,
                     context: grpc.aio.ServicerContext) -> \
            trace_service_pb2.ExportTraceServiceResponse:
        for resource in request.resource_spans:
            service = next(a.value.string_value for a in resource.resource.attributes
                           if a.key == "service.name")
            for scope in resource.scope_spans:
                self.spans.extend(
                    Exported(service, s.name, KINDS[s.kind], s.trace_id.hex(), s.span_id.hex())
                    for s in scope.spans)
        return trace_service_pb2.ExportTraceServiceResponse()


@pytest.fixture
async def collector() -> AsyncIterator[tuple[Collector, int]]:
    server = grpc.aio.server()
    found = Collector()
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(found, server)  # type: ignore[no-untyped-call]
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    yield found, port
    await server.stop(0)


@pytest.fixture
def traced_stack(collector: tuple[Collector, int], mongo_uri: str, nats_url: str,
                 redis_url: str, tmp_path: Path) -> Iterator[Stack]:
    """threads, voting and the gateway as processes exporting their traces over OTLP."""
    suffix = uuid.uuid4().hex[:6]
    config = StackConfig.on_free_ports(
        mongo_uri=mongo_uri, nats_url=nats_url, redis_url=redis_url, log_dir=tmp_path,
        extra_env={"AGORA_ENV": "test", "WRITE_RATE_PER_MINUTE": "100000",
                   "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{collector[1]}",
                   "OTEL_BSP_SCHEDULE_DELAY": "100",
                   "THREADS_DATABASE": f"trace_threads_{suffix}",
                   "VOTING_DATABASE": f"trace_voting_{suffix}"})
    stack = Stack(config)
    try:
        for name in ("threads", "voting"):
            processes.wait_serving(stack.start_service(name), config.address(name), 60)
        stack.start_service("gateway").wait_port(60)
        yield stack
    finally:
        stack.stop()


async def test_a_ballot_is_one_trace_from_the_gateway_to_the_consumer(
        collector: tuple[Collector, int], traced_stack: Stack, nc: NatsClient,
        mongo: Client) -> None:
    exporter = InMemorySpanExporter()
    configure_tracing("agora-test", extra_processor=SimpleSpanProcessor(exporter))
    async with httpx.AsyncClient(base_url=traced_stack.config.gateway_url, timeout=15) as api:
        session = await create_session(api)
        consumer = EventConsumer(
            service="ballot-consumer",
            spec=ConsumerSpec(durable=f"trace-ballots-{uuid.uuid4().hex[:8]}",
                              filter_subjects=[f"agora.{session['consultation_id']}"
                                               ".ballot.submitted"]),
            handler=ignore, js=nc.jetstream(), mongo=mongo, db=mongo["trace_ballot_consumer"])
        await consumer.declare()
        consuming = asyncio.create_task(consumer.run())
        try:
            proposals, categories = ids(session)
            reply = await api.put(
                f"/v1/vote-sessions/{session['id']}/ballot",
                json={"allocations": [allocation(proposals[0], categories[0], 1)]},
                headers={**auth("traced-voter"), "traceparent": TRACEPARENT})
            assert reply.status_code == 200, reply.text

            async def consumed() -> list[tuple[str, SpanKind, str | None]]:
                return [(s.name, s.kind, format(s.parent.span_id, "016x") if s.parent else None)
                        for s in exporter.get_finished_spans()
                        if s.context is not None
                        and format(s.context.trace_id, "032x") == TRACE_ID]

            processed = await eventually(
                consumed, lambda found: any(n == "process ballot.submitted" for n, _, _ in found))
        finally:
            consuming.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await consuming

    async def exported() -> set[tuple[str, str, SpanKind]]:
        return {(s.service, s.name, s.kind) for s in collector[0].spans if s.trace_id == TRACE_ID}

    expected = {
        ("gateway", "PUT /v1/vote-sessions/{session_id}/ballot", SpanKind.SERVER),
        ("gateway", "agora.v1.VotingService/SubmitBallot", SpanKind.CLIENT),
        ("voting", "agora.v1.VotingService/SubmitBallot", SpanKind.SERVER),
        ("voting", "publish ballot.submitted", SpanKind.PRODUCER),
    }
    await eventually(exported, lambda found: expected <= found)
    publish = next(s for s in collector[0].spans
                   if s.trace_id == TRACE_ID and s.name == "publish ballot.submitted")
    # The consumer's span is a child of voting's publication: the same trace, linked.
    assert ("process ballot.submitted", SpanKind.CONSUMER, publish.span_id) in processed


async def ignore(envelope: events_pb2.EventEnvelope, session: Session) -> None:
    assert envelope.type == "ballot.submitted"
