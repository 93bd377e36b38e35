"""Platform overview: RED (rate, errors, duration) per service, and saturation."""

from __future__ import annotations

from grafana_foundation_sdk.builders.dashboard import Dashboard, Row

from chartgen.dashboards.common import (
    NS,
    RATE,
    dashboard,
    label_variable,
    or_zero,
    query,
    stat,
    timeseries,
)

HTTP = "http_server_request_duration_seconds"
RPC = "rpc_server_duration_seconds"
# Codes that mean the server failed, not the caller (invalid arguments, not found,
# permission denied and failed preconditions are answers, not errors).
SERVER_CODES = "UNKNOWN|INTERNAL|UNAVAILABLE|DEADLINE_EXCEEDED|DATA_LOSS|UNIMPLEMENTED"
SVC = f'{NS}, service=~"$service"'


def build() -> Dashboard:
    http_total = f"sum by (service) (rate({HTTP}_count{{{NS}}}[{RATE}]))"
    http_errors = f'sum by (service) (rate({HTTP}_count{{{NS}, status=~"5.."}}[{RATE}]))'
    rpc_total = f"sum by (service) (rate({RPC}_count{{{SVC}}}[{RATE}]))"
    rpc_errors = f'sum by (service) (rate({RPC}_count{{{SVC}, code=~"{SERVER_CODES}"}}[{RATE}]))'
    return (
        dashboard("agora-overview", "Agora / Platform overview",
                  "Requests, errors and latency of the gateway and every service; CPU, "
                  "memory and pools of every process.")
        .with_variable(label_variable("service", "Service",
                                      f"label_values({RPC}_count{{{NS}}}, service)"))
        .with_row(Row("Gateway (HTTP)"))
        .with_panel(stat("Requests/s", "HTTP requests per second at the gateway.", "reqps",
                         query(f"sum(rate({HTTP}_count{{{NS}}}[{RATE}]))")))
        .with_panel(stat("5xx ratio", "Share of gateway answers that were server errors.",
                         "percentunit",
                         query(f"{or_zero(http_errors, http_total)} / {http_total}")))
        .with_panel(stat("p95 latency", "95th percentile of gateway request time.", "s",
                         query(f"histogram_quantile(0.95, sum by (le) "
                               f"(rate({HTTP}_bucket{{{NS}}}[{RATE}])))")))
        .with_panel(stat("Instances up", "Scraped processes answering, of all targets.",
                         "none", query(f'sum(up{{{NS}, component!=""}})')))
        .with_panel(timeseries(
            "Requests by route", "Gateway requests per second by route template.", "reqps",
            query(f"sum by (method, route) (rate({HTTP}_count{{{NS}}}[{RATE}]))",
                  "{{method}} {{route}}")))
        .with_panel(timeseries(
            "Status classes", "Gateway answers per second by status.", "reqps",
            query(f"sum by (status) (rate({HTTP}_count{{{NS}}}[{RATE}]))", "{{status}}")))
        .with_panel(timeseries(
            "Latency by route (p50, p95, p99)", "Gateway request time quantiles.", "s",
            *(query(f"histogram_quantile({q}, sum by (le) (rate({HTTP}_bucket{{{NS}}}"
                    f"[{RATE}])))", f"p{int(q * 100)}") for q in (0.5, 0.95, 0.99)),
            width=24))
        .with_row(Row("Services (gRPC)"))
        .with_panel(timeseries(
            "Calls/s by service", "gRPC calls handled per second.", "reqps",
            query(rpc_total, "{{service}}"), width=8))
        .with_panel(timeseries(
            "Server-error ratio by service",
            f"Share of gRPC calls ending {SERVER_CODES.replace('|', ', ')}.", "percentunit",
            query(f"{or_zero(rpc_errors, rpc_total)} / {rpc_total}", "{{service}}"),
            width=8))
        .with_panel(timeseries(
            "p95 by service", "95th percentile of gRPC handling time.", "s",
            query(f"histogram_quantile(0.95, sum by (service, le) "
                  f"(rate({RPC}_bucket{{{SVC}}}[{RATE}])))", "{{service}}"), width=8))
        .with_panel(timeseries(
            "Calls by method and code", "gRPC calls per second by method and status code.",
            "reqps", query(f"sum by (service, method, code) (rate({RPC}_count{{{SVC}}}"
                           f"[{RATE}]))", "{{method}} {{code}}")))
        .with_panel(timeseries(
            "Gateway → service call time (p95)",
            "The gateway's gRPC client view, deadline included.", "s",
            query(f"histogram_quantile(0.95, sum by (method, le) "
                  f"(rate(rpc_client_duration_seconds_bucket{{{NS}}}[{RATE}])))",
                  "{{method}}")))
        .with_row(Row("Saturation"))
        .with_panel(timeseries(
            "CPU by component", "CPU seconds per second of each component's processes.",
            "none", query(f'sum by (component) (rate(process_cpu_seconds_total{{{NS}, '
                          f'component!=""}}[{RATE}]))', "{{component}}"), width=8))
        .with_panel(timeseries(
            "Memory by component", "Resident memory of each component's processes.",
            "bytes", query(f'sum by (component) (process_resident_memory_bytes{{{NS}, '
                           f'component!=""}})', "{{component}}"), width=8))
        .with_panel(timeseries(
            "File descriptors used", "Highest share of the descriptor limit in use.",
            "percentunit",
            query(f'max by (component) (process_open_fds{{{NS}, component!=""}} '
                  f'/ process_max_fds{{{NS}, component!=""}})', "{{component}}"), width=8))
        .with_panel(timeseries(
            "MongoDB connections checked out", "Pool connections in use, per service.",
            "none", query(f"sum by (service) (agora_mongodb_connections_checked_out{{{NS}}})",
                          "{{service}}")))
        .with_panel(timeseries(
            "Restarts", "Process starts seen in the window (a restart is a new start time).",
            "none", query(f'sum by (component) (changes(process_start_time_seconds{{{NS}, '
                          f'component!=""}}[$__range]))', "{{component}}")))
    )
