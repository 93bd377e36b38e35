"""Prometheus metrics shared by every service: RED histograms and event-bus counters.

Names follow the OpenTelemetry semantic conventions translated to Prometheus
(`rpc_server_duration_seconds`, `http_server_request_duration_seconds`), labelled with the
service so one dashboard serves all six.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator

from nats.aio.client import Client as NatsClient
from prometheus_client import REGISTRY, Counter, Gauge, Histogram, start_http_server
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

RPC_SERVER_DURATION = Histogram(
    "rpc_server_duration_seconds",
    "gRPC server handling time, by method and status code.",
    ["service", "method", "code"],
    buckets=LATENCY_BUCKETS,
)
RPC_CLIENT_DURATION = Histogram(
    "rpc_client_duration_seconds",
    "gRPC client call time, by method and status code.",
    ["service", "method", "code"],
    buckets=LATENCY_BUCKETS,
)
HTTP_SERVER_DURATION = Histogram(
    "http_server_request_duration_seconds",
    "HTTP request handling time, by method, route template and status.",
    ["service", "method", "route", "status"],
    buckets=LATENCY_BUCKETS,
)
EVENTS_PUBLISHED = Counter(
    "agora_events_published_total", "Events the outbox relay published.", ["service", "type"]
)
EVENT_PUBLISH_FAILURES = Counter(
    "agora_event_publish_failures_total",
    "Relay publish attempts that failed (the event stays in the outbox and is retried).",
    ["service"],
)
OUTBOX_BACKLOG = Gauge(
    "agora_outbox_backlog", "Outbox records not yet published, as last seen.", ["service"]
)
EVENTS_CONSUMED = Counter(
    "agora_events_consumed_total",
    "Events handled by a consumer, by outcome (applied, duplicate, retried, dead_lettered).",
    ["service", "consumer", "type", "outcome"],
)
EVENTS_REDELIVERED = Counter(
    "agora_events_redelivered_total",
    "Deliveries that were redeliveries (delivery count > 1).",
    ["service", "consumer"],
)
EVENTS_DEAD_LETTERED = Counter(
    "agora_events_dead_lettered_total",
    "Events a consumer gave up on and sent to the dead-letter stream.",
    ["service", "consumer"],
)
CONSUMER_PENDING = Gauge(
    "agora_consumer_pending_messages",
    "Messages in the stream not yet delivered to the consumer (lag).",
    ["service", "consumer"],
)

MONGODB_COMMAND_DURATION = Histogram(
    "agora_mongodb_command_duration_seconds",
    "MongoDB commands as the client saw them, by command and outcome (ok, error).",
    ["service", "command", "outcome"],
    buckets=LATENCY_BUCKETS,
)
MONGODB_CONNECTIONS_IN_USE = Gauge(
    "agora_mongodb_connections_checked_out",
    "MongoDB pool connections checked out right now (pool saturation).",
    ["service"],
)
REDIS_COMMAND_DURATION = Histogram(
    "agora_redis_command_duration_seconds",
    "Redis commands and pipelines (MULTI, PIPELINE) as the client saw them, by outcome.",
    ["service", "command", "outcome"],
    buckets=LATENCY_BUCKETS,
)


class NatsClientStats(Collector):
    """Messages, bytes and reconnects of the NATS connections a process registered.

    nats-py counts them in `Client.stats`; they are read at scrape time, summed per
    service over the connections still alive (a replaced connection's counts leave the
    sum, which Prometheus's rate() treats as a counter reset).
    """

    def __init__(self) -> None:
        self._clients: weakref.WeakKeyDictionary[NatsClient, str] = weakref.WeakKeyDictionary()

    def track(self, service: str, client: NatsClient) -> None:
        self._clients[client] = service

    def collect(self) -> Iterator[Metric]:
        messages = CounterMetricFamily(
            "agora_nats_client_messages", "Messages through this process's NATS connections.",
            labels=["service", "direction"])
        volume = CounterMetricFamily(
            "agora_nats_client_bytes", "Payload bytes through this process's NATS connections.",
            labels=["service", "direction"])
        reconnects = CounterMetricFamily(
            "agora_nats_client_reconnects", "Reconnections of this process's NATS connections.",
            labels=["service"])
        totals: dict[str, dict[str, int]] = {}
        for client, service in list(self._clients.items()):
            total = totals.setdefault(service, dict.fromkeys(
                ("in_msgs", "out_msgs", "in_bytes", "out_bytes", "reconnects"), 0))
            for key in total:
                total[key] += int(client.stats.get(key, 0))
        for service, total in sorted(totals.items()):
            for direction in ("in", "out"):
                messages.add_metric([service, direction], total[f"{direction}_msgs"])
                volume.add_metric([service, direction], total[f"{direction}_bytes"])
            reconnects.add_metric([service], total["reconnects"])
        yield from (messages, volume, reconnects)


NATS_CLIENTS = NatsClientStats()
REGISTRY.register(NATS_CLIENTS)


def serve_metrics(port: int, host: str = "127.0.0.1") -> None:
    """Expose /metrics on its own port (a daemon thread of prometheus_client)."""
    start_http_server(port, addr=host)
