"""The operator's commands: create, status, archive, teardown.

Each takes the spec and a `Context` (the cluster, the Helm releases, the chart) and does
its work through them only, so the whole flow runs in tests against fakes of the two
layers, the real chart and the real services.
"""

from __future__ import annotations

import json
import tarfile
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agoractl import dump, opendata, plan
from agoractl.cluster import Cluster, Pod, Reply, Rollout
from agoractl.releases import Releases
from agoractl.spec import ConsultationSpec

CHART = Path(__file__).resolve().parent.parent / "deploy" / "helm" / "agora"


class CommandError(RuntimeError):
    """A command could not do what it was asked; the message says why and what to do."""


@dataclass
class Context:
    cluster: Cluster
    releases: Releases
    chart: Path = CHART
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic


def create(spec: ConsultationSpec, ctx: Context, *, timeout: float = 600.0) -> int:
    """Namespace, credentials, release (installed or upgraded); waits for the rollout."""
    namespace = spec.target_namespace
    ctx.cluster.ensure_namespace(namespace, plan.labels(spec))
    existing = ctx.cluster.read_secret(namespace, spec.secret_name)
    ctx.cluster.write_secret(namespace, spec.secret_name, plan.credentials(spec, existing),
                             plan.labels(spec))
    revision = ctx.releases.deploy(ctx.chart, spec.name, namespace, plan.chart_values(spec))
    wait_rollout(spec, ctx, timeout=timeout)
    return revision


def wait_rollout(spec: ConsultationSpec, ctx: Context, *, timeout: float,
                 interval: float = 2.0) -> list[Rollout]:
    """Every Deployment of the release updated and available, or CommandError naming
    the ones that are not after timeout."""
    deadline = ctx.clock() + timeout
    while True:
        rollouts = ctx.cluster.rollouts(spec.target_namespace, plan.selector(spec))
        if rollouts and all(r.done for r in rollouts):
            return rollouts
        if ctx.clock() >= deadline:
            pending = ", ".join(f"{r.name} ({r.available}/{r.wanted} available)"
                                for r in rollouts if not r.done) or "no Deployment found"
            raise CommandError(f"rollout not finished after {timeout:.0f}s: {pending}; see "
                               f"kubectl -n {spec.target_namespace} get pods")
        ctx.sleep(interval)


@dataclass
class Status:
    revision: int | None
    pods: list[Pod]
    readiness: dict[str, Any]
    consultations: list[dict[str, str]] = field(default_factory=list)

    def render(self) -> str:
        lines = [f"release revision: {self.revision if self.revision is not None else '-'}"]
        lines.append(f"gateway: {self.readiness.get('status', 'unreachable')}")
        for name, state in sorted(self.readiness.get("services", {}).items()):
            lines.append(f"  {name}: {state}")
        if "redis" in self.readiness:
            lines.append(f"  redis: {self.readiness['redis']}")
        lines.append("pods:")
        for pod in sorted(self.pods, key=lambda p: (p.component, p.name)):
            lines.append(f"  {pod.name}  {pod.phase}  {'ready' if pod.ready else 'not ready'}"
                         f"  restarts={pod.restarts}")
        for consultation in self.consultations:
            lines.append(f"consultation {consultation['id']} ({consultation['title']}): "
                         f"phase {consultation['phase'] or 'none'}")
        return "\n".join(lines)


def gateway_get(spec: ConsultationSpec, ctx: Context) -> opendata.Get:
    service = plan.gateway_service(spec.name)

    def get(path: str, query: dict[str, str]) -> Reply:
        return ctx.cluster.service_get(spec.target_namespace, service, "http", path, query)

    return get


def status(spec: ConsultationSpec, ctx: Context) -> Status:
    namespace = spec.target_namespace
    get = gateway_get(spec, ctx)
    try:
        ready = get("/readyz", {})
        readiness: dict[str, Any] = json.loads(ready.body) if ready.status in (200, 503) else {}
    except (OSError, ValueError):
        readiness = {}
    report = Status(revision=ctx.releases.revision(spec.name, namespace),
                    pods=ctx.cluster.pods(namespace, plan.selector(spec)), readiness=readiness)
    if readiness.get("status") == "ready":
        listed = ([spec.consultation_id] if spec.consultation_id
                  else [c["id"] for c in opendata.items(get, "/v1/consultations")])
        for cid in listed:
            reply = get(f"/v1/consultations/{cid}", {})
            if reply.status == 200:
                body = json.loads(reply.body)
                report.consultations.append({"id": cid, "title": str(body.get("title", "")),
                                             "phase": str(body.get("current_phase") or "")})
    return report


def archive(spec: ConsultationSpec, ctx: Context, out_dir: Path, *,
            mongo_uri: str | None = None) -> Path:
    """<out_dir>/<name>-<UTC time>.tar.gz: the open-data export and a database dump.

    The dump reads MongoDB directly, at mongo_uri or the URI in the release's Secret
    (which must then be reachable from here; see the README for a port-forward)."""
    namespace = spec.target_namespace
    if mongo_uri is None:
        credentials = ctx.cluster.read_secret(namespace, spec.secret_name) or {}
        mongo_uri = credentials.get("mongo-uri")
        if not mongo_uri:
            raise CommandError(f"no mongo-uri in secret {namespace}/{spec.secret_name}; "
                               "pass --mongo-uri")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{spec.name}-{stamp}.tar.gz"
    with tempfile.TemporaryDirectory() as work:
        root = Path(work) / f"{spec.name}-{stamp}"
        counts = {"open_data": opendata.export(gateway_get(spec, ctx), root / "opendata"),
                  "database": dump.dump(mongo_uri, root / "dump")}
        (root / "MANIFEST.json").write_text(json.dumps(
            {"consultation": spec.name, "namespace": namespace, "taken_at": stamp,
             "revision": ctx.releases.revision(spec.name, namespace), "counts": counts},
            indent=2) + "\n")
        with tarfile.open(target, "w:gz") as tar:
            tar.add(root, arcname=root.name)
    return target


def teardown(spec: ConsultationSpec, ctx: Context, *, archived: Path | None,
             keep_namespace: bool = False) -> None:
    """Uninstall the release, delete the credentials, then the namespace.

    Refused unless an archive of this consultation is named (`archived`), so nothing is
    torn down that was not kept first."""
    if archived is None or not archived.is_file() or not archived.name.startswith(
            f"{spec.name}-"):
        raise CommandError(f"tear down only after `agoractl archive`: pass --archived "
                           f"with the {spec.name}-*.tar.gz it wrote")
    with tarfile.open(archived, "r:gz") as tar:
        names = tar.getnames()
    if not any(n.endswith("/MANIFEST.json") for n in names):
        raise CommandError(f"{archived} is not an agoractl archive (no MANIFEST.json)")
    namespace = spec.target_namespace
    ctx.releases.remove(spec.name, namespace)
    ctx.cluster.delete_secret(namespace, spec.secret_name)
    if not keep_namespace:
        ctx.cluster.delete_namespace(namespace)
