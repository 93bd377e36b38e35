"""Datastore clients: MongoDB, Redis and NATS as the services see them."""

from __future__ import annotations

from grafana_foundation_sdk.builders.dashboard import Dashboard, Row

from chartgen.dashboards.common import NS, RATE, dashboard, or_zero, query, timeseries

MONGO = "agora_mongodb_command_duration_seconds"
REDIS = "agora_redis_command_duration_seconds"


def build() -> Dashboard:
    mongo_total = f"sum by (service) (rate({MONGO}_count{{{NS}}}[{RATE}]))"
    mongo_errors = f'sum by (service) (rate({MONGO}_count{{{NS}, outcome="error"}}[{RATE}]))'
    redis_total = f"sum by (service) (rate({REDIS}_count{{{NS}}}[{RATE}]))"
    redis_errors = f'sum by (service) (rate({REDIS}_count{{{NS}, outcome="error"}}[{RATE}]))'
    return (
        dashboard("agora-clients", "Agora / MongoDB, Redis and NATS clients",
                  "Commands, latency, errors and connections of each service's datastore "
                  "clients (client-side: what the services wait for).")
        .with_row(Row("MongoDB"))
        .with_panel(timeseries(
            "Commands/s by service", "MongoDB commands per second.", "ops",
            query(mongo_total, "{{service}}"), width=8))
        .with_panel(timeseries(
            "p95 by command", "95th percentile of MongoDB command time.", "s",
            query(f"histogram_quantile(0.95, sum by (command, le) "
                  f"(rate({MONGO}_bucket{{{NS}}}[{RATE}])))", "{{command}}"), width=8))
        .with_panel(timeseries(
            "Error ratio by service", "Share of MongoDB commands that failed.",
            "percentunit", query(f"{or_zero(mongo_errors, mongo_total)} / {mongo_total}",
                                 "{{service}}"), width=8))
        .with_panel(timeseries(
            "Connections checked out", "Pool connections in use per service.", "none",
            query(f"sum by (service) (agora_mongodb_connections_checked_out{{{NS}}})",
                  "{{service}}"), width=24))
        .with_row(Row("Redis"))
        .with_panel(timeseries(
            "Commands/s by command", "Redis commands and pipelines (MULTI, PIPELINE).",
            "ops", query(f"sum by (command) (rate({REDIS}_count{{{NS}}}[{RATE}]))",
                         "{{command}}"), width=8))
        .with_panel(timeseries(
            "p95 by command", "95th percentile of Redis command time.", "s",
            query(f"histogram_quantile(0.95, sum by (command, le) "
                  f"(rate({REDIS}_bucket{{{NS}}}[{RATE}])))", "{{command}}"), width=8))
        .with_panel(timeseries(
            "Error ratio", "Share of Redis calls that failed (timeouts included).",
            "percentunit", query(f"{or_zero(redis_errors, redis_total)} / {redis_total}",
                                 "{{service}}"), width=8))
        .with_row(Row("NATS"))
        .with_panel(timeseries(
            "Messages/s", "Messages in and out of each service's NATS connections.", "ops",
            query(f"sum by (service, direction) (rate(agora_nats_client_messages_total{{{NS}}}"
                  f"[{RATE}]))", "{{service}} {{direction}}"), width=8))
        .with_panel(timeseries(
            "Bytes/s", "Payload bytes in and out.", "Bps",
            query(f"sum by (service, direction) (rate(agora_nats_client_bytes_total{{{NS}}}"
                  f"[{RATE}]))", "{{service}} {{direction}}"), width=8))
        .with_panel(timeseries(
            "Reconnects", "NATS reconnections in the range.", "none",
            query(f"sum by (service) (increase(agora_nats_client_reconnects_total{{{NS}}}"
                  f"[$__range]))", "{{service}}"), width=8))
    )
