"""Events: outbox publishing, consumers, lag, redeliveries, dead letters."""

from __future__ import annotations

from grafana_foundation_sdk.builders.dashboard import Dashboard, Row

from chartgen.dashboards.common import NS, RATE, dashboard, query, stat, timeseries


def build() -> Dashboard:
    return (
        dashboard("agora-events", "Agora / Events",
                  "The transactional outbox and its relay, JetStream consumers, lag, "
                  "redeliveries and dead letters.")
        .with_row(Row("Health"))
        .with_panel(stat("Outbox backlog", "Events committed but not yet published, "
                         "largest of any service.", "none",
                         query(f"max(agora_outbox_backlog{{{NS}}})")))
        .with_panel(stat("Consumer lag", "Messages not yet delivered, largest of any "
                         "consumer.", "none",
                         query(f"max(agora_consumer_pending_messages{{{NS}}})")))
        .with_panel(stat("Dead letters (range)", "Events consumers gave up on in the range.",
                         "none", query(f"sum(increase(agora_events_dead_lettered_total{{{NS}}}"
                                       f"[$__range]))")))
        .with_panel(stat("Publish failures/s", "Relay publish attempts that failed.", "none",
                         query(f"sum(rate(agora_event_publish_failures_total{{{NS}}}"
                               f"[{RATE}]))")))
        .with_row(Row("Publishing"))
        .with_panel(timeseries(
            "Published by type", "Events the relays published per second.", "ops",
            query(f"sum by (type) (rate(agora_events_published_total{{{NS}}}[{RATE}]))",
                  "{{type}}")))
        .with_panel(timeseries(
            "Outbox backlog by service", "Unpublished outbox records (the relay's count).",
            "none", query(f"max by (service) (agora_outbox_backlog{{{NS}}})", "{{service}}")))
        .with_row(Row("Consuming"))
        .with_panel(timeseries(
            "Consumed by consumer and outcome",
            "Handled events per second: applied, duplicate, retried, dead_lettered.", "ops",
            query(f"sum by (consumer, outcome) (rate(agora_events_consumed_total{{{NS}}}"
                  f"[{RATE}]))", "{{consumer}} {{outcome}}")))
        .with_panel(timeseries(
            "Consumer lag", "Messages in the stream not yet delivered, per durable consumer "
            "(every replica reports the same server-side count).", "none",
            query(f"max by (consumer) (agora_consumer_pending_messages{{{NS}}})",
                  "{{consumer}}")))
        .with_panel(timeseries(
            "Redeliveries", "Deliveries that were not the first, per consumer.", "ops",
            query(f"sum by (consumer) (rate(agora_events_redelivered_total{{{NS}}}[{RATE}]))",
                  "{{consumer}}")))
        .with_panel(timeseries(
            "Dead letters", "Events sent to AGORA_DLQ per consumer, in the range.", "none",
            query(f"sum by (consumer) (increase(agora_events_dead_lettered_total{{{NS}}}"
                  f"[$__range]))", "{{consumer}}")))
        .with_panel(timeseries(
            "Gateway read-cache consumer", "Events the gateway's cache consumer handled.",
            "ops", query(f"sum by (outcome) (rate(agora_read_cache_events_total{{{NS}}}"
                         f"[{RATE}]))", "{{outcome}}"), width=24))
    )
