"""Transactional outbox: events written with the state change, published by a relay.

A service writes its state change and `Outbox.add(...)` in one MongoDB transaction, so
an event exists if and only if the change committed. `OutboxRelay` publishes pending
records to JetStream with `Nats-Msg-Id` = event id and marks them published only after
JetStream acknowledged them; when NATS is down it keeps them and retries, so nothing is
lost. A crash between publish and mark publishes again; JetStream's duplicate window and
the consumers' idempotency make that harmless.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta

from bson import Binary
from nats.errors import Error as NatsError
from nats.js import JetStreamContext
from opentelemetry import trace
from opentelemetry.trace import SpanKind
from pymongo import ASCENDING

from agora.v1 import events_pb2
from agora_kit.events.envelope import subject_for
from agora_kit.lease import Lease
from agora_kit.metrics import EVENT_PUBLISH_FAILURES, EVENTS_PUBLISHED, OUTBOX_BACKLOG
from agora_kit.mongo import Database, Session
from agora_kit.telemetry import extract_context, inject_context

log = logging.getLogger(__name__)
tracer = trace.get_tracer(__name__)

OUTBOX_COLLECTION = "outbox"
PUBLISHED_RETENTION = timedelta(days=7)


class Outbox:
    """Writes event records into a service's own database, inside the caller's transaction."""

    def __init__(self, db: Database, on_added: asyncio.Event | None = None) -> None:
        self._collection = db[OUTBOX_COLLECTION]
        self._on_added = on_added

    async def ensure_indexes(self) -> None:
        await self._collection.create_index([("published_at", ASCENDING), ("_id", ASCENDING)])
        await self._collection.create_index(
            "published_at",
            name="expire_published",
            expireAfterSeconds=int(PUBLISHED_RETENTION.total_seconds()),
            partialFilterExpression={"published_at": {"$type": "date"}},
        )

    async def add(self, envelope: events_pb2.EventEnvelope, *, session: Session) -> None:
        await self._collection.insert_one(self._record(envelope), session=session)

    async def add_many(self, envelopes: list[events_pb2.EventEnvelope], *,
                       session: Session) -> None:
        """`add` for many events in one round trip (a batch's announcements)."""
        if envelopes:
            await self._collection.insert_many([self._record(e) for e in envelopes],
                                               session=session)

    @staticmethod
    def _record(envelope: events_pb2.EventEnvelope) -> dict[str, object]:
        return {
            "_id": envelope.event_id,
            "type": envelope.type,
            "subject": subject_for(envelope.consultation_id, envelope.type),
            "data": Binary(envelope.SerializeToString()),
            "trace_context": dict(envelope.trace_context),
            "created_at": datetime.now(UTC),
            "published_at": None,
        }

    def wake_relay(self) -> None:
        """Tell a relay in this process there is work (call after the commit)."""
        if self._on_added is not None:
            self._on_added.set()


class OutboxRelay:
    """Publishes pending outbox records to JetStream, oldest first, until stopped.

    With a lease, only the replica holding it publishes; the others stand by and take
    over within the lease's time-to-live if the holder dies. With `pace`, passes start at
    most once per `pace` seconds while the backlog is below a batch: under a steady
    stream of small commits that turns one find + one update per event into one per
    batch, for at most `pace` of extra publishing latency.
    """

    def __init__(
        self,
        *,
        db: Database,
        js: JetStreamContext,
        service: str,
        wake: asyncio.Event,
        lease: Lease | None = None,
        batch_size: int = 100,
        poll_interval: float = 0.5,
        publish_timeout: float = 2.0,
        max_retry_delay: float = 5.0,
        pace: float = 0.0,
    ) -> None:
        self._collection = db[OUTBOX_COLLECTION]
        self._js = js
        self._service = service
        self._wake = wake
        self._lease = lease
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._publish_timeout = publish_timeout
        self._max_retry_delay = max_retry_delay
        self._pace = pace
        # The failure counter exists from the start (0), so its rate reads 0, not nothing.
        EVENT_PUBLISH_FAILURES.labels(service)
        OUTBOX_BACKLOG.labels(service).set(0)

    async def run(self) -> None:
        try:
            await self._relay()
        finally:  # stopping: hand the lease over now rather than after its time-to-live
            if self._lease is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(asyncio.shield(self._lease.release()), 1.0)

    async def _relay(self) -> None:
        delay = 0.1
        while True:
            started = asyncio.get_running_loop().time()
            if self._lease is not None and not await self._lease.acquire():
                # Another replica relays and reports the backlog; this one's last count
                # (from when it held the lease) would only be stale.
                OUTBOX_BACKLOG.labels(self._service).set(0)
                await asyncio.sleep(self._poll_interval)
                continue
            try:
                published, complete = await self.publish_pending()
            except Exception:
                log.exception("outbox relay pass failed")
                published, complete = 0, False
            if not complete:
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._max_retry_delay)
                continue
            delay = 0.1
            if published < self._batch_size:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._poll_interval)
                self._wake.clear()
                rest = self._pace - (asyncio.get_running_loop().time() - started)
                if rest > 0:
                    await asyncio.sleep(rest)

    async def publish_pending(self) -> tuple[int, bool]:
        """Publish one batch; returns (published, whether every attempt succeeded)."""
        records = (
            await self._collection.find({"published_at": None})
            .sort("_id", ASCENDING)
            .limit(self._batch_size)
            .to_list()
        )
        pending = len(records)
        if pending == self._batch_size:
            pending = await self._collection.count_documents({"published_at": None})
        OUTBOX_BACKLOG.labels(self._service).set(pending)
        if not records:
            return 0, True
        results = await asyncio.gather(*(self._publish(r) for r in records))
        acknowledged = [r["_id"] for r, ok in zip(records, results, strict=True) if ok]
        if acknowledged:
            await self._collection.update_many(
                {"_id": {"$in": acknowledged}}, {"$set": {"published_at": datetime.now(UTC)}}
            )
        OUTBOX_BACKLOG.labels(self._service).set(pending - len(acknowledged))
        return len(acknowledged), len(acknowledged) == len(records)

    async def _publish(self, record: dict[str, object]) -> bool:
        event_type = str(record["type"])
        parent = extract_context(record.get("trace_context") or {})  # type: ignore[arg-type]
        with tracer.start_as_current_span(
            f"publish {event_type}", context=parent, kind=SpanKind.PRODUCER
        ) as span:
            span.set_attribute("messaging.message.id", str(record["_id"]))
            headers = dict(inject_context({"Nats-Msg-Id": str(record["_id"])}))
            try:
                await self._js.publish(
                    str(record["subject"]),
                    bytes(record["data"]),  # type: ignore[call-overload]
                    timeout=self._publish_timeout,
                    headers=headers,
                )
            except (NatsError, TimeoutError) as error:
                EVENT_PUBLISH_FAILURES.labels(self._service).inc()
                log.warning(
                    "publish failed, will retry",
                    extra={"event_id": record["_id"], "error": repr(error)},
                )
                return False
        EVENTS_PUBLISHED.labels(self._service, event_type).inc()
        return True
