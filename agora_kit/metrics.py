"""Prometheus metrics shared by every service: RED histograms and event-bus counters.

Names follow the OpenTelemetry semantic conventions translated to Prometheus
(`rpc_server_duration_seconds`, `http_server_request_duration_seconds`), labelled with the
service so one dashboard serves all six.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram, start_http_server

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
CONSUMER_PENDING = Gauge(
    "agora_consumer_pending_messages",
    "Messages in the stream not yet delivered to the consumer (lag).",
    ["service", "consumer"],
)


def serve_metrics(port: int, host: str = "127.0.0.1") -> None:
    """Expose /metrics on its own port (a daemon thread of prometheus_client)."""
    start_http_server(port, addr=host)
