"""Fakes of agoractl's two thin layers: an in-memory cluster whose service proxy reaches
the real test gateway, and Helm releases rendered by the real chart."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from agoractl.cluster import Pod, Reply, Rollout
from tests.deploy.support import render


@dataclass
class FakeCluster:
    gateway_url: str = ""
    namespaces: dict[str, dict[str, str]] = field(default_factory=dict)
    secrets: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    deployments: dict[str, list[str]] = field(default_factory=dict)  # namespace -> names
    polls_until_ready: int = 2
    calls: list[str] = field(default_factory=list)
    proxied: list[tuple[str, str, str, str]] = field(default_factory=list)
    _polls: int = 0

    def ensure_namespace(self, name: str, labels: dict[str, str]) -> None:
        self.calls.append(f"ensure_namespace {name}")
        self.namespaces[name] = labels

    def delete_namespace(self, name: str) -> None:
        self.calls.append(f"delete_namespace {name}")
        self.namespaces.pop(name, None)

    def read_secret(self, namespace: str, name: str) -> dict[str, str] | None:
        found = self.secrets.get((namespace, name))
        return dict(found) if found is not None else None

    def write_secret(self, namespace: str, name: str, data: dict[str, str],
                     labels: dict[str, str]) -> None:
        assert namespace in self.namespaces, "secret before its namespace"
        self.calls.append(f"write_secret {namespace}/{name}")
        self.secrets[namespace, name] = dict(data)

    def delete_secret(self, namespace: str, name: str) -> None:
        self.calls.append(f"delete_secret {namespace}/{name}")
        self.secrets.pop((namespace, name), None)

    def pods(self, namespace: str, selector: str) -> list[Pod]:
        return [Pod(name=f"{name}-abc12", component=name.rsplit("-", 1)[-1], phase="Running",
                    ready=True, restarts=0) for name in self.deployments.get(namespace, [])]

    def rollouts(self, namespace: str, selector: str) -> list[Rollout]:
        self._polls += 1
        ready = 2 if self._polls > self.polls_until_ready else 0
        return [Rollout(name=name, wanted=2, updated=ready, available=ready,
                        observed_generation=1, generation=1)
                for name in self.deployments.get(namespace, [])]

    def service_get(self, namespace: str, service: str, port: str, path: str,
                    query: dict[str, str]) -> Reply:
        self.proxied.append((namespace, service, port, path))
        reply = httpx.get(f"{self.gateway_url}{path}", params=query, timeout=15)
        return Reply(status=reply.status_code, body=reply.content)


@dataclass
class FakeReleases:
    """Renders the chart as `helm install` would; the cluster gets its Deployments."""

    cluster: FakeCluster
    revisions: dict[tuple[str, str], int] = field(default_factory=dict)
    deployed: list[dict[str, Any]] = field(default_factory=list)

    def deploy(self, chart: Path, name: str, namespace: str, values: dict[str, Any]) -> int:
        docs = render(values, release=name, namespace=namespace)
        self.cluster.deployments[namespace] = [d["metadata"]["name"] for d in docs
                                               if d["kind"] == "Deployment"]
        self.cluster.calls.append(f"deploy {namespace}/{name}")
        self.deployed.append(values)
        revision = self.revisions.get((namespace, name), 0) + 1
        self.revisions[namespace, name] = revision
        return revision

    def remove(self, name: str, namespace: str) -> None:
        self.cluster.calls.append(f"remove {namespace}/{name}")
        self.revisions.pop((namespace, name), None)
        self.cluster.deployments.pop(namespace, None)

    def revision(self, name: str, namespace: str) -> int | None:
        return self.revisions.get((namespace, name))
