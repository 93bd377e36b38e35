"""The signals the dashboards and alerts read: consumer lag while busy, rare-event series
present at zero, the liveness health name, and the datastore clients' metrics."""

from __future__ import annotations

import asyncio
import contextlib
import uuid

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from nats.aio.client import Client as NatsClient
from prometheus_client import REGISTRY
from pymongo.errors import OperationFailure

from agora.v1 import events_pb2
from agora_kit.events.consumer import ConsumerSpec, EventConsumer
from agora_kit.events.envelope import new_envelope, subject_for
from agora_kit.events.streams import ensure_streams
from agora_kit.ids import new_id
from agora_kit.metrics import NATS_CLIENTS
from agora_kit.mongo import Client, Session, connect
from agora_kit.redis_client import observed_redis
from agora_kit.runtime import DependenciesOnlyApp, ServiceRuntime
from agora_kit.settings import ServiceSettings
from devstack.processes import free_port
from tests.helpers import eventually


def sample(name: str, **labels: str) -> float | None:
    return REGISTRY.get_sample_value(name, labels)


async def test_lag_is_reported_while_the_consumer_is_busy(nc: NatsClient, mongo: Client) -> None:
    """Before, the lag gauge was read only when a fetch came back empty: under a steady
    backlog, exactly when it matters, it was never updated."""
    js = nc.jetstream()
    await ensure_streams(js)
    consultation = new_id()
    handled: list[str] = []

    async def slow(envelope: events_pb2.EventEnvelope, session: Session) -> None:
        await asyncio.sleep(0.2)
        handled.append(envelope.event_id)

    spec = ConsumerSpec(durable=f"lag-{uuid.uuid4().hex[:8]}",
                        filter_subjects=[f"agora.{consultation}.>"], batch_size=2,
                        lag_report_seconds=0.5)
    consumer = EventConsumer(service="test", spec=spec, handler=slow, js=js, mongo=mongo,
                             db=mongo[f"lag_{uuid.uuid4().hex[:8]}"])
    await consumer.declare()
    for _ in range(20):
        envelope = new_envelope(event_type="post.created", consultation_id=consultation,
                                actor="t", payload=events_pb2.PostCreated(post_id=new_id()))
        await js.publish(subject_for(consultation, "post.created"), envelope.SerializeToString(),
                         headers={"Nats-Msg-Id": envelope.event_id})
    running = asyncio.create_task(consumer.run())
    seen: list[float] = []
    try:
        while len(handled) < 15:
            value = sample("agora_consumer_pending_messages", service="test",
                           consumer=spec.durable)
            if value:
                seen.append(value)
            await asyncio.sleep(0.1)
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
    assert seen, "no lag reported while 20 events were being worked through"
    assert max(seen) >= 5


async def test_dead_letters_and_redeliveries_exist_at_zero_then_count(
        nc: NatsClient, mongo: Client) -> None:
    js = nc.jetstream()
    await ensure_streams(js)
    consultation = new_id()
    spec = ConsumerSpec(durable=f"dlq-{uuid.uuid4().hex[:8]}",
                        filter_subjects=[f"agora.{consultation}.>"])

    async def handler(envelope: events_pb2.EventEnvelope, session: Session) -> None:
        return None

    consumer = EventConsumer(service="test", spec=spec, handler=handler, js=js, mongo=mongo,
                             db=mongo[f"dlq_{uuid.uuid4().hex[:8]}"])
    labels = {"service": "test", "consumer": spec.durable}
    assert sample("agora_events_dead_lettered_total", **labels) == 0.0
    assert sample("agora_events_redelivered_total", **labels) == 0.0
    await consumer.declare()
    await js.publish(f"agora.{consultation}.post.created", b"not an envelope")
    running = asyncio.create_task(consumer.run())
    try:
        async def dead() -> float | None:
            return sample("agora_events_dead_lettered_total", **labels)

        assert await eventually(dead, lambda n: n == 1.0) == 1.0
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running


async def health(port: int, service: str) -> int:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        reply = await health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service=service), timeout=2)
        status: int = reply.status
        return status


async def test_liveness_serves_while_dependencies_are_down(nats_url: str) -> None:
    """Readiness ("") follows MongoDB and NATS; liveness does not, so a database outage
    takes pods out of their Service without the kubelet restarting every one."""
    dead_mongo = f"mongodb://127.0.0.1:{free_port()}/?directConnection=true"
    settings = ServiceSettings(grpc_port=free_port(), mongo_uri=dead_mongo, nats_url=nats_url)
    runtime = ServiceRuntime(DependenciesOnlyApp("probe-test", "probe_test"), settings)
    starting = asyncio.create_task(runtime.start())
    try:
        async def live() -> int:
            try:
                return await health(settings.grpc_port, "liveness")
            except grpc.aio.AioRpcError:
                return -1

        assert await eventually(live, lambda s: s == health_pb2.HealthCheckResponse.SERVING)
        assert await health(settings.grpc_port, "") == health_pb2.HealthCheckResponse.NOT_SERVING
    finally:
        starting.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await starting
        await runtime.stop()


async def test_redis_commands_and_pipelines_are_measured(redis_url: str) -> None:
    client = observed_redis(redis_url, service="metrics-test")
    try:
        before = sample("agora_redis_command_duration_seconds_count", service="metrics-test",
                        command="SET", outcome="ok") or 0.0
        await client.set("metrics-test", "1")
        async with client.pipeline(transaction=True) as pipe:
            pipe.incr("metrics-test")
            pipe.get("metrics-test")
            assert await pipe.execute() == [2, b"2"]
        with pytest.raises(Exception, match="WRONGTYPE"):
            await client.lpush("metrics-test", "x")
    finally:
        await client.aclose()
    assert sample("agora_redis_command_duration_seconds_count", service="metrics-test",
                  command="SET", outcome="ok") == before + 1
    assert sample("agora_redis_command_duration_seconds_count", service="metrics-test",
                  command="MULTI", outcome="ok") == 1.0
    assert sample("agora_redis_command_duration_seconds_count", service="metrics-test",
                  command="LPUSH", outcome="error") == 1.0


async def test_mongodb_commands_and_pool_use_are_measured(mongo_uri: str) -> None:
    client = connect(mongo_uri, app_name="mongo-metrics-test")
    try:
        collection = client["mongo_metrics_test"]["docs"]
        await collection.insert_one({"n": 1})
        assert await collection.count_documents({}) >= 1
        with pytest.raises(OperationFailure):
            await client["mongo_metrics_test"].command("noSuchCommand")
    finally:
        await client.close()
    labels = {"service": "mongo-metrics-test"}
    assert (sample("agora_mongodb_command_duration_seconds_count", command="insert",
                   outcome="ok", **labels) or 0) >= 1
    assert sample("agora_mongodb_command_duration_seconds_count", command="noSuchCommand",
                  outcome="error", **labels) == 1.0
    assert sample("agora_mongodb_connections_checked_out", **labels) == 0.0  # all returned


async def test_nats_connections_report_their_traffic(nc: NatsClient) -> None:
    NATS_CLIENTS.track("nats-metrics-test", nc)
    before = sample("agora_nats_client_messages_total", service="nats-metrics-test",
                    direction="out") or 0.0
    for _ in range(3):
        await nc.publish("metrics.test", b"x")
    await nc.flush()
    assert sample("agora_nats_client_messages_total", service="nats-metrics-test",
                  direction="out") == before + 3
    assert sample("agora_nats_client_reconnects_total", service="nats-metrics-test") == 0.0
