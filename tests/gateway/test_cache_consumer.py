"""The gateway's cache consumer on a real NATS and Redis: an event it cannot read is
dead-lettered and counted, never acknowledged as if applied; the next one applies."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from nats.aio.client import Client as NatsClient
from prometheus_client import REGISTRY
from redis.asyncio import Redis

from agora.v1 import events_pb2
from agora_kit.events.consumer import ConsumerSpec
from agora_kit.events.envelope import new_envelope, subject_for
from agora_kit.events.streams import DEAD_LETTER_STREAM, ensure_streams
from agora_kit.ids import new_id
from services.gateway.access import AccessResolver
from services.gateway.clients import ServiceClients
from services.gateway.config import GatewaySettings
from services.gateway.events.cache import CacheInvalidation
from services.gateway.reads.cache import ReadCache
from tests.helpers import eventually


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


def dead_lettered() -> float:
    return REGISTRY.get_sample_value("agora_read_cache_events_total",
                                     {"outcome": "dead_lettered"}) or 0.0


async def test_a_malformed_event_is_dead_lettered_and_the_next_one_applies(
    nc: NatsClient, nats_url: str, redis: Redis,
) -> None:
    js = nc.jetstream()
    await ensure_streams(js)
    consultation, thread = new_id(), new_id()
    spec = ConsumerSpec(durable=f"test-gateway-{uuid.uuid4().hex[:8]}",
                        filter_subjects=[f"agora.{consultation}.>"], max_deliver=3,
                        backoff=(0.1, 0.1))
    clients = ServiceClients(GatewaySettings())
    consumer = CacheInvalidation(nats_url, ReadCache(redis, ttl=60, stable_after=0),
                                 AccessResolver(clients, redis, ttl=30), spec=spec)
    running = asyncio.create_task(consumer.run())
    dead_before = dead_lettered()
    try:
        await eventually(lambda: _declared(nc, spec.durable), bool)
        # A post.created naming no thread: nothing can be renewed from it.
        malformed = new_envelope(event_type="post.created", consultation_id=consultation,
                                 actor="u1", payload=events_pb2.PostCreated(post_id="p1"))
        await js.publish(subject_for(consultation, "post.created"),
                         malformed.SerializeToString())
        subscription = await js.pull_subscribe(f"dlq.{spec.durable}.>",
                                               stream=DEAD_LETTER_STREAM)
        dead = (await subscription.fetch(1, timeout=15))[0]
        await dead.ack()
        assert dead.data == malformed.SerializeToString()
        assert dead.headers is not None
        assert dead.headers["Agora-Dead-Letter-Reason"].startswith("malformed")
        assert dead.headers["Agora-Deliveries"] == "1"  # at once: a retry cannot help
        assert dead_lettered() == dead_before + 1

        await redis.set(f"rc:tgen:{thread}", "before")
        created = new_envelope(event_type="post.created", consultation_id=consultation,
                               actor="u1", payload=events_pb2.PostCreated(
                                   post_id="p2", thread_id=thread))
        await js.publish(subject_for(consultation, "post.created"),
                         created.SerializeToString())
        await eventually(lambda: redis.get(f"rc:tgen:{thread}"), lambda v: v != b"before")
    finally:
        while not running.done():  # nats-py's fetch can swallow one cancellation
            running.cancel()
            await asyncio.wait([running], timeout=1.0)
        await clients.close()


async def _declared(nc: NatsClient, durable: str) -> bool:
    try:
        await nc.jetstream().consumer_info("AGORA", durable)
    except Exception:
        return False
    return True
