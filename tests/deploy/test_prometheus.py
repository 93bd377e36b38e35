"""A real Prometheus scrapes the running services after traffic; every dashboard query
and every alert signal must parse and return data, and every metric they name must be
one the services expose.

The Prometheus is Debian's (`prometheus`, installed by .ci/run), scraping each service's
metrics port and the gateway's /metrics every second with a `component` label, as the
chart's ServiceMonitors do; it loads the chart's alert rules and evaluates them too.
"""

from __future__ import annotations

import asyncio
import math
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from devstack import processes
from devstack.processes import Child
from devstack.stack import Stack
from tests.deploy.promql import (
    Query,
    alert_rules,
    alert_signals,
    dashboard_queries,
    metric_names,
)
from tests.deploy.support import CHART
from tests.deploy.traffic import consultation_traffic
from tests.helpers import eventually

# A scrape times out at its interval: 2 s leaves a loaded machine's /metrics time to answer
# (at 1 s, one of seven targets stayed down for 30 s under a load average of 15).
SCRAPE = "2s"


def scrape_config(stack: Stack) -> list[dict[str, Any]]:
    jobs = [{"job_name": name, "static_configs": [{
        "targets": [f"127.0.0.1:{port}"], "labels": {"component": name}}]}
        for name, port in stack.config.metrics_ports.items() if name != "gateway"]
    jobs.append({"job_name": "gateway", "static_configs": [{
        "targets": [f"127.0.0.1:{stack.config.gateway_port}"],
        "labels": {"component": "gateway"}}]})
    return jobs


@pytest.fixture(scope="module")
def prometheus(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    binary = shutil.which("prometheus")
    assert binary, "prometheus is installed by .ci/run (Debian package prometheus)"
    work = tmp_path_factory.mktemp("prometheus")
    shutil.copy(CHART / "files" / "alerts.yaml", work / "alerts.yaml")
    (work / "prometheus.yml").write_text(yaml.safe_dump({
        "global": {"scrape_interval": SCRAPE, "evaluation_interval": SCRAPE},
        "rule_files": [str(work / "alerts.yaml")],
        "scrape_configs": scrape_config(stack),
    }))
    port = processes.free_port()
    child = Child("prometheus", [
        binary, f"--config.file={work / 'prometheus.yml'}",
        f"--storage.tsdb.path={work / 'data'}", f"--web.listen-address=127.0.0.1:{port}",
        "--log.level=warn"], work / "prometheus.log", port=port).start()
    try:
        child.wait_port(30)
        yield f"http://127.0.0.1:{port}"
    finally:
        child.stop()


async def instant(client: httpx.AsyncClient, expr: str) -> list[dict[str, Any]]:
    reply = await client.get("/api/v1/query", params={"query": expr})
    body = reply.json()
    assert reply.status_code == 200, f"{expr}: {body.get('error')}"
    assert body["status"] == "success", body
    result: list[dict[str, Any]] = body["data"]["result"]
    return result


def finite(result: list[dict[str, Any]]) -> bool:
    return any(math.isfinite(float(sample["value"][1])) for sample in result)


@pytest.fixture(scope="module")
async def scraped(prometheus: str, stack: Stack) -> str:
    """Prometheus after it saw every target up, then the traffic, then a few scrapes."""
    async with httpx.AsyncClient(base_url=prometheus, timeout=10) as client:
        targets = len(stack.config.metrics_ports)

        async def up() -> int:
            return sum(1 for s in await instant(client, "up == 1"))

        await eventually(up, lambda count: count == targets, within=60)
        async with httpx.AsyncClient(base_url=stack.config.gateway_url, timeout=15) as api:
            consultation = await consultation_traffic(api)

        async def participants() -> list[dict[str, Any]]:
            return await instant(client, f'agora_participants{{consultation="{consultation}"}}')

        await eventually(participants, bool, within=30)  # flushed, then scraped
        await asyncio.sleep(3)  # a few scrapes after the last request: rates see it all
    return prometheus


async def test_every_dashboard_query_returns_data(scraped: str) -> None:
    queries = list(dashboard_queries())
    assert len(queries) > 40
    missing = await without_data(scraped, queries)
    assert not missing, "\n".join(f"{q.where}: {q.expr}" for q in missing)


async def test_every_alert_signal_returns_data_and_every_rule_evaluates(scraped: str) -> None:
    signals = list(alert_signals())
    assert {q.where for q in signals} == {f"alert {rule['alert']}" for rule in alert_rules()}
    missing = await without_data(scraped, signals)
    assert not missing, "\n".join(f"{q.where}: {q.expr}" for q in missing)
    async with httpx.AsyncClient(base_url=scraped, timeout=10) as client:

        async def rules() -> list[dict[str, Any]]:
            body = (await client.get("/api/v1/rules")).json()
            return [rule for group in body["data"]["groups"] for rule in group["rules"]]

        evaluated = await eventually(rules, lambda found: len(found) == len(alert_rules())
                                     and all(r.get("lastEvaluation", "").startswith("2")
                                             and not r["lastEvaluation"].startswith("0001")
                                             for r in found), within=15)
    unhealthy = [(r["name"], r.get("lastError")) for r in evaluated if r["health"] != "ok"]
    assert not unhealthy
    firing = [r["name"] for r in evaluated if r["state"] == "firing"]
    # The latency SLO (500 ms) is about the machine as much as the code. This stack is the
    # suite's: the tests before this one leave background work running in it (deliverable
    # PDFs, topic runs, opinion maps, translations), and on 2 cores some of this test's
    # requests then really are slow, so those alerts are right to fire (seen once in a
    # full run at load 0.4). Their logic is promtool's (alerts_test.yaml); here every
    # other alert must stay quiet.
    firing = [name for name in firing if not name.startswith("AgoraLatencySLO")]
    assert not firing, f"a healthy test stack fires {firing}"


async def test_every_metric_named_is_exposed_by_the_services(scraped: str) -> None:
    """The cross-check: a misspelt or removed metric fails here by name."""
    async with httpx.AsyncClient(base_url=scraped, timeout=10) as client:
        exposed = set((await client.get("/api/v1/label/__name__/values")).json()["data"])
    named: dict[str, set[str]] = {}
    for query in [*dashboard_queries(), *alert_signals()]:
        for name in metric_names(query.expr):
            named.setdefault(name, set()).add(query.where)
    assert len(named) > 25
    unknown = {name: sorted(where) for name, where in named.items() if name not in exposed}
    assert not unknown


async def without_data(base_url: str, queries: list[Query]) -> list[Query]:
    """The queries with no finite sample; each is retried for a few seconds (a rate over
    a new series needs two scrapes)."""
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as client:
        missing = []
        for query in queries:
            deadline = time.monotonic() + 5
            while not finite(await instant(client, query.expr)):
                if time.monotonic() > deadline:
                    missing.append(query)
                    break
                await asyncio.sleep(0.5)
        return missing


def test_metric_names_are_found_in_expressions() -> None:
    """The extraction the cross-check relies on."""
    assert metric_names('sum by (service) (rate(a_total{x="y{z}"}[5m])) / b + on (k) c') \
        == {"a_total", "b", "c"}
    assert metric_names("histogram_quantile(0.95, sum by (le) (rate(h_bucket[1m])))") \
        == {"h_bucket"}
    assert metric_names("max(g > 0) and up") == {"g", "up"}


def test_the_rule_file_shipped_is_the_one_tested() -> None:
    assert Path(CHART / "files" / "alerts.yaml").read_text().startswith("# Agora's alert rules")
