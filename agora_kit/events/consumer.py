"""Durable JetStream pull consumers with idempotent, transactional handling.

Each delivery is applied at most once: the handler's writes and a "processed" marker
keyed by (consumer, event id) commit in one MongoDB transaction, and a marker already
present means the event was applied before — it is acknowledged and skipped. A consumer
may apply up to `per_transaction` events of a fetched batch in one transaction (their
markers and the handler's writes: a `Batched` handler takes them all at once, for bulk
reads and writes); if that transaction fails, its events are applied again each in a
transaction of its own, so only a poison event is retried and dead-lettered. Transient
failures are negatively acknowledged with a growing delay; after `max_deliver` attempts,
or at once for an unreadable message, the event goes to the dead-letter stream with the
reason in its headers and is terminated.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from nats.aio.msg import Msg
from nats.errors import Error as NatsError
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from opentelemetry import trace
from opentelemetry.trace import SpanKind

from agora.v1 import events_pb2
from agora_kit.clock import SYSTEM_CLOCK, Clock
from agora_kit.events.envelope import MalformedEvent, parse_envelope
from agora_kit.events.streams import DEAD_LETTER_PREFIX, EVENTS_STREAM
from agora_kit.metrics import (
    CONSUMER_PENDING,
    EVENTS_CONSUMED,
    EVENTS_DEAD_LETTERED,
    EVENTS_REDELIVERED,
)
from agora_kit.mongo import Client, Database, Session
from agora_kit.telemetry import extract_context
from agora_kit.transactions import run

log = logging.getLogger(__name__)
tracer = trace.get_tracer(__name__)

PROCESSED_COLLECTION = "processed_events"
Handler = Callable[[events_pb2.EventEnvelope, Session], Awaitable[None]]
BatchHandler = Callable[[Sequence[events_pb2.EventEnvelope], Session], Awaitable[None]]


@dataclass(frozen=True)
class Batched:
    """A handler given every new event of a transaction at once, in stream order (so it
    can read and write in bulk); whatever it raises rolls back all of them."""

    apply: BatchHandler


def one_by_one(handler: Handler) -> BatchHandler:
    async def apply(envelopes: Sequence[events_pb2.EventEnvelope], session: Session) -> None:
        for envelope in envelopes:
            await handler(envelope, session)

    return apply


@dataclass(frozen=True)
class ConsumerSpec:
    """How a consumer is declared on the server."""

    durable: str
    filter_subjects: Sequence[str]
    max_deliver: int = 5
    # Redelivery delays (seconds) after the 1st, 2nd, ... attempt, whether it failed
    # (negative ack) or was never acknowledged (the server's ack timeout follows them too).
    backoff: Sequence[float] = field(default=(5.0, 15.0, 30.0, 60.0))
    batch_size: int = 50
    # How often the consumer's lag (messages not yet delivered) is read from the server,
    # busy or idle: a lag read only when idle would never show a backlog building up.
    lag_report_seconds: float = 5.0
    # Lanes of one fetched batch applied at once: those with the same `order_key` (e.g.
    # one post's creation and edits) in the same lane, in stream order. 1: one lane.
    concurrency: int = 1
    order_key: Callable[[events_pb2.EventEnvelope], str] | None = None
    # Events of a lane applied in one transaction (a first delivery each; an event
    # delivered again is applied alone). 1: every event in a transaction of its own.
    per_transaction: int = 1

    def delay_after(self, attempt: int) -> float:
        return self.backoff[min(attempt, len(self.backoff)) - 1] if self.backoff else 1.0


class EventConsumer:
    """Pulls events for one durable consumer and applies them exactly once."""

    def __init__(
        self,
        *,
        service: str,
        spec: ConsumerSpec,
        handler: Handler | Batched,
        js: JetStreamContext,
        mongo: Client,
        db: Database,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.spec = spec
        self._clock = clock
        self._service = service
        self._apply = handler.apply if isinstance(handler, Batched) else one_by_one(handler)
        self._js = js
        self._mongo = mongo
        self._processed = db[PROCESSED_COLLECTION]
        self._lag_reported = -float("inf")
        # Rare events exist as zero series from the start, so dashboards and alerts
        # read 0 rather than nothing.
        EVENTS_REDELIVERED.labels(service, spec.durable)
        EVENTS_DEAD_LETTERED.labels(service, spec.durable)

    async def declare(self) -> None:
        """Create or update the durable consumer (idempotent)."""
        await self._js.add_consumer(
            EVENTS_STREAM,
            ConsumerConfig(
                durable_name=self.spec.durable,
                ack_policy=AckPolicy.EXPLICIT,
                deliver_policy=DeliverPolicy.ALL,
                max_deliver=self.spec.max_deliver,
                backoff=list(self.spec.backoff),
                filter_subjects=list(self.spec.filter_subjects),
                max_ack_pending=1000,
            ),
        )

    async def run(self) -> None:
        subscription = await self._js.pull_subscribe_bind(self.spec.durable, EVENTS_STREAM)
        while True:
            if self._clock.monotonic() - self._lag_reported >= self.spec.lag_report_seconds:
                await self._report_lag()
            try:
                messages = await subscription.fetch(self.spec.batch_size, timeout=1.0)
            except (NatsTimeoutError, TimeoutError):
                continue
            except NatsError:
                log.warning("fetch failed; retrying", exc_info=True)
                await asyncio.sleep(1.0)
                continue
            await self.handle_batch(messages)

    async def handle_batch(self, messages: list[Msg]) -> None:
        """In `concurrency` lanes (stream order within a lane), each lane's first
        deliveries `per_transaction` to a transaction."""
        slots = asyncio.Semaphore(max(1, self.spec.concurrency))

        async def lane(queued: list[Msg]) -> None:
            async with slots:
                for run in self._runs(queued):
                    await self._handle_together(run)

        await asyncio.gather(*(lane(queued) for queued in self._lanes(messages)))

    def _lanes(self, messages: list[Msg]) -> list[list[Msg]]:
        """Keys dealt to `concurrency` lanes in order of first appearance; one lane
        without an `order_key`."""
        if self.spec.concurrency <= 1 or self.spec.order_key is None:
            return [messages]
        lane_of: dict[str, int] = {}
        lanes: list[list[Msg]] = []
        for message in messages:
            index = lane_of.setdefault(self._key_of(message), len(lane_of) % self.spec.concurrency)
            if index == len(lanes):
                lanes.append([])
            lanes[index].append(message)
        return lanes

    def _key_of(self, message: Msg) -> str:
        assert self.spec.order_key is not None
        try:
            return self.spec.order_key(parse_envelope(message.data))
        except MalformedEvent:  # an unreadable event: handle() dead-letters it
            return ""

    def _runs(self, messages: list[Msg]) -> Iterator[list[Msg]]:
        """Consecutive first deliveries, at most `per_transaction` together; an event
        delivered before (it failed, or its ack was lost) alone, so a poison event does
        not spoil a batch at each of its attempts."""
        run: list[Msg] = []
        for message in messages:
            if message.metadata.num_delivered > 1:
                if run:
                    yield run
                    run = []
                yield [message]
                continue
            run.append(message)
            if len(run) >= self.spec.per_transaction:
                yield run
                run = []
        if run:
            yield run

    async def _handle_together(self, messages: list[Msg]) -> None:
        """One transaction for these events; if it fails, each in its own (`handle`)."""
        if len(messages) == 1:
            await self.handle(messages[0])
            return
        readable: list[tuple[Msg, events_pb2.EventEnvelope]] = []
        for message in messages:
            try:
                readable.append((message, parse_envelope(message.data)))
            except MalformedEvent as error:
                await self._dead_letter(message, f"malformed: {error}", "unknown")
        if len(readable) <= 1:
            for message, _ in readable:
                await self.handle(message)
            return
        # One span for the transaction, linked to each event's trace.
        contexts = [trace.get_current_span(extract_context(message.headers or {}))
                    .get_span_context() for message, _ in readable]
        links = [trace.Link(context) for context in contexts if context.is_valid]
        with tracer.start_as_current_span(
            f"process {len(readable)} events", kind=SpanKind.CONSUMER, links=links
        ) as span:
            span.set_attribute("messaging.batch.message_count", len(readable))
            span.set_attribute("messaging.consumer.group.name", self.spec.durable)
            try:
                applied = await self.apply_new([envelope for _, envelope in readable])
            except Exception as error:
                span.record_exception(error)
                log.warning("batch failed; applying its events one by one",
                            extra={"events": len(readable), "error": repr(error)})
                for message, _ in readable:
                    await self.handle(message)
                return
        for (message, envelope), now_applied in zip(readable, applied, strict=True):
            await message.ack()
            outcome = "applied" if now_applied else "duplicate"
            EVENTS_CONSUMED.labels(self._service, self.spec.durable, envelope.type, outcome).inc()

    async def handle(self, message: Msg) -> None:
        attempt = message.metadata.num_delivered
        if attempt > 1:
            EVENTS_REDELIVERED.labels(self._service, self.spec.durable).inc()
        try:
            envelope = parse_envelope(message.data)
        except MalformedEvent as error:
            await self._dead_letter(message, f"malformed: {error}", "unknown")
            return
        parent = extract_context(message.headers or {})
        with tracer.start_as_current_span(
            f"process {envelope.type}", context=parent, kind=SpanKind.CONSUMER
        ) as span:
            span.set_attribute("messaging.message.id", envelope.event_id)
            span.set_attribute("messaging.consumer.group.name", self.spec.durable)
            try:
                applied = await self.apply_once(envelope)
            except Exception as error:
                span.record_exception(error)
                await self._on_failure(message, envelope, error, attempt)
                return
            await message.ack()
            outcome = "applied" if applied else "duplicate"
            EVENTS_CONSUMED.labels(self._service, self.spec.durable, envelope.type, outcome).inc()

    async def apply_once(self, envelope: events_pb2.EventEnvelope) -> bool:
        """Apply the handler unless this consumer already did; True if it ran now."""
        return (await self.apply_new([envelope]))[0]

    async def apply_new(self, envelopes: Sequence[events_pb2.EventEnvelope]) -> list[bool]:
        """Apply those of the events this consumer has not applied yet (an event twice
        in the list counts once), in one transaction with their markers; for each, True
        if it was applied now."""
        markers = [f"{self.spec.durable}:{envelope.event_id}" for envelope in envelopes]

        async def work(session: Session) -> list[bool]:
            seen = {doc["_id"] async for doc in self._processed.find(
                {"_id": {"$in": markers}}, {"_id": 1}, session=session)}
            fresh: list[bool] = []
            for marker in markers:
                fresh.append(marker not in seen)
                seen.add(marker)
            new = [(marker, envelope) for marker, envelope, is_new
                   in zip(markers, envelopes, fresh, strict=True) if is_new]
            if new:
                at = datetime.now(UTC)
                await self._processed.insert_many(
                    [{"_id": marker, "type": envelope.type, "at": at} for marker, envelope in new],
                    ordered=True, session=session)
                await self._apply([envelope for _, envelope in new], session)
            return fresh

        return await run(self._mongo, work)

    async def _on_failure(
        self, message: Msg, envelope: events_pb2.EventEnvelope, error: Exception, attempt: int
    ) -> None:
        if attempt >= self.spec.max_deliver:
            log.error(
                "giving up on event",
                extra={"event_id": envelope.event_id, "attempts": attempt, "error": repr(error)},
            )
            await self._dead_letter(
                message, f"handler failed {attempt} times: {error!r}", envelope.type
            )
            return
        delay = self.spec.delay_after(attempt)
        log.warning(
            "handler failed; will retry",
            extra={
                "event_id": envelope.event_id,
                "attempt": attempt,
                "delay": delay,
                "error": repr(error),
            },
        )
        EVENTS_CONSUMED.labels(self._service, self.spec.durable, envelope.type, "retried").inc()
        await message.nak(delay=delay)

    async def _dead_letter(self, message: Msg, reason: str, event_type: str) -> None:
        headers = {
            **(message.headers or {}),
            "Agora-Dead-Letter-Reason": reason[:1000],
            "Agora-Consumer": self.spec.durable,
            "Agora-Original-Subject": message.subject,
            "Agora-Deliveries": str(message.metadata.num_delivered),
        }
        headers.pop("Nats-Msg-Id", None)
        await self._js.publish(
            f"{DEAD_LETTER_PREFIX}.{self.spec.durable}.{message.subject}",
            message.data,
            headers=headers,
        )
        await message.term()
        EVENTS_CONSUMED.labels(self._service, self.spec.durable, event_type, "dead_lettered").inc()
        EVENTS_DEAD_LETTERED.labels(self._service, self.spec.durable).inc()

    async def _report_lag(self) -> None:
        self._lag_reported = self._clock.monotonic()
        try:
            info = await self._js.consumer_info(EVENTS_STREAM, self.spec.durable)
        except (NatsError, TimeoutError):
            return
        CONSUMER_PENDING.labels(self._service, self.spec.durable).set(info.num_pending or 0)
