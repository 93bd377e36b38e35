"""The dashboards shipped in the chart, by file name (dashboards/<name>.json)."""

from __future__ import annotations

from collections.abc import Callable

from grafana_foundation_sdk.builders.dashboard import Dashboard

from chartgen.dashboards import clients, consultation, events, overview

DASHBOARDS: dict[str, Callable[[], Dashboard]] = {
    "overview": overview.build,
    "events": events.build,
    "consultation": consultation.build,
    "clients": clients.build,
}
