"""Shared pieces of the dashboards: the Prometheus datasource, the variables, panels.

Every query selects `namespace=~"$namespace"`: one namespace is one consultation's
release, and a Prometheus that watches several shows one at a time.
"""

from __future__ import annotations

from grafana_foundation_sdk.builders.dashboard import Dashboard, DatasourceVariable, QueryVariable
from grafana_foundation_sdk.builders.prometheus import Dataquery
from grafana_foundation_sdk.builders.stat import Panel as Stat
from grafana_foundation_sdk.builders.table import Panel as Table
from grafana_foundation_sdk.builders.timeseries import Panel as Timeseries
from grafana_foundation_sdk.models.dashboard import (
    DashboardCursorSync,
    DataSourceRef,
    VariableRefresh,
    VariableSort,
)

DATASOURCE = DataSourceRef(type_val="prometheus", uid="${datasource}")
NS = 'namespace=~"$namespace"'
RATE = "$__rate_interval"
REF_IDS = "ABCDEFGH"


def dashboard(uid: str, title: str, description: str) -> Dashboard:
    return (
        Dashboard(title).uid(uid).description(description).tags(["agora"])
        .refresh("30s").time("now-1h", "now").timezone("utc")
        .tooltip(DashboardCursorSync.CROSSHAIR)
        .with_variable(DatasourceVariable("datasource").label("Prometheus").type("prometheus"))
        .with_variable(label_variable("namespace", "Namespace (consultation release)",
                                      "label_values(rpc_server_duration_seconds_count, "
                                      "namespace)"))
    )


def label_variable(name: str, label: str, query: str) -> QueryVariable:
    """A multi-value variable from label values; "All" matches every value (`.*`)."""
    return (
        QueryVariable(name).label(label).datasource(DATASOURCE).query(query)
        .refresh(VariableRefresh.ON_TIME_RANGE_CHANGED).sort(VariableSort.ALPHABETICAL_ASC)
        .multi(True).include_all(True).all_value(".*")
    )


def query(expr: str, legend: str = "") -> Dataquery:
    built = Dataquery().expr(expr).datasource(DATASOURCE)
    return built.legend_format(legend) if legend else built


def timeseries(title: str, description: str, unit: str, *queries: Dataquery,
               width: int = 12) -> Timeseries:
    panel = (Timeseries().title(title).description(description).unit(unit)
             .datasource(DATASOURCE).span(width).height(8))
    for ref, item in zip(REF_IDS, queries, strict=False):
        panel = panel.with_target(item.ref_id(ref))
    return panel


def stat(title: str, description: str, unit: str, *queries: Dataquery,
         width: int = 6) -> Stat:
    panel = (Stat().title(title).description(description).unit(unit)
             .datasource(DATASOURCE).span(width).height(4))
    for ref, item in zip(REF_IDS, queries, strict=False):
        panel = panel.with_target(item.ref_id(ref))
    return panel


def table(title: str, description: str, *queries: Dataquery, width: int = 12) -> Table:
    panel = Table().title(title).description(description).datasource(DATASOURCE).span(width) \
        .height(6)
    for ref, item in zip(REF_IDS, queries, strict=False):
        panel = panel.with_target(item.ref_id(ref).instant())
    return panel


def or_zero(errors: str, total: str) -> str:
    """errors per group, or 0 for a group that has traffic and no error series yet.

    An error series appears only with its first error (its labels, a status or code,
    are not known before), so `errors / total` alone would show nothing for a service
    that never failed instead of 0: the `or` adds those groups at zero.
    """
    return f"({errors} or ({total}) * 0)"
