"""Durable consumers: duplicates change nothing, failures retry, then dead-letter."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass

import pytest
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from agora.v1 import events_pb2
from agora_kit.events.consumer import (
    PROCESSED_COLLECTION,
    Batched,
    ConsumerSpec,
    EventConsumer,
)
from agora_kit.events.envelope import new_envelope, subject_for
from agora_kit.events.streams import DEAD_LETTER_STREAM, ensure_streams
from agora_kit.ids import new_id
from agora_kit.mongo import Client, Database, Session
from tests.helpers import eventually

Handler = Callable[[events_pb2.EventEnvelope, Session], Awaitable[None]]


@dataclass
class Harness:
    js: JetStreamContext
    db: Database
    consultation_id: str
    calls: list[str]

    async def counter(self) -> int:
        doc = await self.db["counters"].find_one({"_id": "applied"})
        return int(doc["n"]) if doc else 0

    def envelope(self) -> events_pb2.EventEnvelope:
        return new_envelope(event_type="post.created", consultation_id=self.consultation_id,
                            actor="tester", payload=events_pb2.PostCreated(post_id=new_id()))

    async def publish(self, envelope: events_pb2.EventEnvelope, msg_id: str) -> bool:
        ack = await self.js.publish(
            subject_for(envelope.consultation_id, envelope.type),
            envelope.SerializeToString(), headers={"Nats-Msg-Id": msg_id})
        return bool(ack.duplicate)


@pytest.fixture
async def harness(nc: NatsClient, mongo: Client) -> Harness:
    js = nc.jetstream()
    await ensure_streams(js)
    return Harness(js=js, db=mongo[f"consumer_{uuid.uuid4().hex[:8]}"],
                   consultation_id=new_id(), calls=[])


Starter = Callable[[Handler, int], Awaitable[EventConsumer]]


@pytest.fixture
async def start_consumer(harness: Harness, mongo: Client) -> AsyncIterator[Starter]:
    """Starts consumers for the test (bounded retries with 0.1 s delays); stops them after."""
    tasks: list[asyncio.Task[None]] = []

    async def start(handler: Handler, max_deliver: int) -> EventConsumer:
        spec = ConsumerSpec(durable=f"test-{uuid.uuid4().hex[:8]}",
                            filter_subjects=[f"agora.{harness.consultation_id}.>"],
                            max_deliver=max_deliver, backoff=(0.1,) * (max_deliver - 1))
        consumer = EventConsumer(service="test", spec=spec, handler=handler, js=harness.js,
                                 mongo=mongo, db=harness.db)
        await consumer.declare()
        tasks.append(asyncio.create_task(consumer.run()))
        return consumer

    yield start
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def counting_handler(harness: Harness, fail_times: int = 0) -> Handler:
    """Increments a counter (not idempotent by itself) after failing fail_times times."""

    async def handle(envelope: events_pb2.EventEnvelope, session: Session) -> None:
        harness.calls.append(envelope.event_id)
        await harness.db["counters"].update_one({"_id": "applied"}, {"$inc": {"n": 1}},
                                                upsert=True, session=session)
        if len(harness.calls) <= fail_times:
            raise RuntimeError("database says no")

    return handle


async def settled(js: JetStreamContext, consumer: EventConsumer) -> bool:
    """Every message delivered to the consumer has been acknowledged or terminated."""
    info = await js.consumer_info("AGORA", consumer.spec.durable)
    return bool(info.num_pending == 0 and info.num_ack_pending == 0)


async def test_an_event_delivered_twice_is_applied_once(
    harness: Harness, start_consumer: Starter
) -> None:
    consumer = await start_consumer(counting_handler(harness), 4)
    envelope = harness.envelope()
    assert not await harness.publish(envelope, envelope.event_id)
    # The broker drops a re-publish with the same Nats-Msg-Id ...
    assert await harness.publish(envelope, envelope.event_id)
    # ... and a copy that slips past the duplicate window is skipped by the consumer.
    assert not await harness.publish(envelope, f"{envelope.event_id}-replayed")
    await eventually(harness.counter, lambda n: n >= 1)
    await eventually(lambda: settled(harness.js, consumer), bool)
    assert await harness.counter() == 1
    assert harness.calls == [envelope.event_id]
    assert await consumer.apply_once(envelope) is False
    assert await harness.counter() == 1


async def test_a_failing_handler_is_retried_and_its_writes_roll_back(
    harness: Harness, start_consumer: Starter
) -> None:
    consumer = await start_consumer(counting_handler(harness, fail_times=2), 4)
    envelope = harness.envelope()
    await harness.publish(envelope, envelope.event_id)
    await eventually(harness.counter, lambda n: n >= 1)
    await eventually(lambda: settled(harness.js, consumer), bool)
    # Two failed attempts wrote nothing: their increments rolled back with them.
    assert len(harness.calls) == 3
    assert await harness.counter() == 1


async def test_a_handler_that_keeps_failing_goes_to_the_dead_letter_stream(
    harness: Harness, start_consumer: Starter
) -> None:
    consumer = await start_consumer(counting_handler(harness, fail_times=100), 3)
    envelope = harness.envelope()
    await harness.publish(envelope, envelope.event_id)
    dead = await next_dead_letter(harness.js, consumer.spec.durable)
    assert dead.data == envelope.SerializeToString()
    assert dead.headers is not None
    assert "database says no" in dead.headers["Agora-Dead-Letter-Reason"]
    assert dead.headers["Agora-Deliveries"] == "3"
    assert len(harness.calls) == 3
    assert await harness.counter() == 0
    assert await harness.db[PROCESSED_COLLECTION].count_documents({}) == 0


async def test_an_unreadable_message_is_dead_lettered_at_once(
    harness: Harness, start_consumer: Starter
) -> None:
    consumer = await start_consumer(counting_handler(harness), 4)
    await harness.js.publish(f"agora.{harness.consultation_id}.post.created", b"\x00garbage")
    dead = await next_dead_letter(harness.js, consumer.spec.durable)
    assert dead.headers is not None
    assert dead.headers["Agora-Dead-Letter-Reason"].startswith("malformed")
    assert dead.headers["Agora-Deliveries"] == "1"
    assert harness.calls == []


async def next_dead_letter(js: JetStreamContext, durable: str) -> Msg:
    subscription = await js.pull_subscribe(f"dlq.{durable}.>", stream=DEAD_LETTER_STREAM)
    messages = await subscription.fetch(1, timeout=15)
    await messages[0].ack()
    await subscription.unsubscribe()
    return messages[0]


async def test_concurrent_lanes_keep_each_keys_order_and_apply_once(
        harness: Harness, mongo: Client) -> None:
    seen: list[tuple[str, str]] = []
    running = [0, 0]  # now, most at once

    async def handler(envelope: events_pb2.EventEnvelope, session: Session) -> None:
        payload = events_pb2.PostCreated()
        envelope.payload.Unpack(payload)
        running[0] += 1
        running[1] = max(running)
        await asyncio.sleep(0.02)
        running[0] -= 1
        seen.append((payload.post_id, payload.body))

    def post_of(envelope: events_pb2.EventEnvelope) -> str:
        payload = events_pb2.PostCreated()
        envelope.payload.Unpack(payload)
        return payload.post_id

    spec = ConsumerSpec(durable=f"test-{uuid.uuid4().hex[:8]}",
                        filter_subjects=[f"agora.{harness.consultation_id}.>"],
                        concurrency=4, order_key=post_of)
    consumer = EventConsumer(service="test", spec=spec, handler=handler, js=harness.js,
                             mongo=mongo, db=harness.db)
    await consumer.declare()
    posts = [new_id() for _ in range(6)]
    for step in range(3):
        for post_id in posts:
            envelope = new_envelope(
                event_type="post.created", consultation_id=harness.consultation_id,
                actor="tester", payload=events_pb2.PostCreated(post_id=post_id,
                                                               body=str(step)))
            await harness.publish(envelope, envelope.event_id)
    task = asyncio.create_task(consumer.run())
    try:
        await eventually(lambda: asyncio.sleep(0, seen), lambda got: len(got) >= 18)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert len(seen) == 18
    for post_id in posts:
        assert [body for p, body in seen if p == post_id] == ["0", "1", "2"]
    assert 1 < running[1] <= 4


async def test_a_batch_with_a_poison_event_and_duplicates_applies_each_good_event_once(
        harness: Harness, mongo: Client) -> None:
    """Events applied together (one transaction, a `Batched` handler): a poison event rolls
    the batch back, the others are applied again each on its own, the poison event alone
    is retried and dead-lettered; a copy of an event and one applied earlier (its ack
    lost) change nothing."""
    batches: list[list[str]] = []
    poison = harness.envelope()

    async def handler(envelopes: Sequence[events_pb2.EventEnvelope], session: Session) -> None:
        batches.append([envelope.event_id for envelope in envelopes])
        for envelope in envelopes:
            await harness.db["applied"].update_one(
                {"_id": envelope.event_id}, {"$inc": {"n": 1}}, upsert=True, session=session)
            if envelope.event_id == poison.event_id:
                raise RuntimeError("cannot apply this one")

    spec = ConsumerSpec(durable=f"test-{uuid.uuid4().hex[:8]}",
                        filter_subjects=[f"agora.{harness.consultation_id}.>"],
                        max_deliver=3, backoff=(0.1, 0.1), per_transaction=50)
    consumer = EventConsumer(service="test", spec=spec, handler=Batched(handler),
                             js=harness.js, mongo=mongo, db=harness.db)
    await consumer.declare()
    good = [harness.envelope() for _ in range(4)]
    assert await consumer.apply_once(good[3]) is True  # applied before: its ack was lost
    batches.clear()
    for envelope in [good[0], poison, good[1], good[2], good[3]]:
        await harness.publish(envelope, envelope.event_id)
    await harness.publish(good[0], f"{good[0].event_id}-copy")  # past the duplicate window
    task = asyncio.create_task(consumer.run())
    try:
        dead = await next_dead_letter(harness.js, spec.durable)
        await eventually(lambda: settled(harness.js, consumer), bool)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert dead.data == poison.SerializeToString()
    assert dead.headers is not None
    assert dead.headers["Agora-Deliveries"] == "3"
    applied = {doc["_id"]: doc["n"] async for doc in harness.db["applied"].find()}
    assert applied == {envelope.event_id: 1 for envelope in good}
    markers = await harness.db[PROCESSED_COLLECTION].distinct("_id")
    assert sorted(markers) == sorted(f"{spec.durable}:{e.event_id}" for e in good)
    # The new events of the first delivery together; after that failed, each alone in
    # stream order; then the poison event's two redeliveries alone.
    first = [good[0].event_id, poison.event_id, good[1].event_id, good[2].event_id]
    assert batches == [first, *([e] for e in first), [poison.event_id], [poison.event_id]]
