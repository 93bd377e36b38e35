"""The Kubernetes calls agoractl makes, behind one small interface.

`Cluster` is what the commands use; `KubernetesCluster` implements it with the official
client, one API call per method and no logic, so that everything above it is tested
without a cluster. Its calls are the part of agoractl not run on these machines.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Protocol

from kubernetes import client, config
from kubernetes.client.exceptions import ApiException


@dataclass(frozen=True)
class Pod:
    name: str
    component: str
    phase: str
    ready: bool
    restarts: int


@dataclass(frozen=True)
class Rollout:
    """A Deployment's progress: done when every wanted replica is updated and available."""

    name: str
    wanted: int
    updated: int
    available: int
    observed_generation: int
    generation: int

    @property
    def done(self) -> bool:
        return (self.observed_generation >= self.generation
                and self.updated >= self.wanted and self.available >= self.wanted)


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes


class Cluster(Protocol):
    def ensure_namespace(self, name: str, labels: dict[str, str]) -> None: ...
    def delete_namespace(self, name: str) -> None: ...
    def read_secret(self, namespace: str, name: str) -> dict[str, str] | None: ...

    def write_secret(self, namespace: str, name: str, data: dict[str, str],
                     labels: dict[str, str]) -> None: ...

    def delete_secret(self, namespace: str, name: str) -> None: ...
    def pods(self, namespace: str, selector: str) -> list[Pod]: ...
    def rollouts(self, namespace: str, selector: str) -> list[Rollout]: ...

    def service_get(self, namespace: str, service: str, port: str, path: str,
                    query: dict[str, str]) -> Reply: ...


class KubernetesCluster:
    """The real cluster, from a kubeconfig (or in-cluster credentials)."""

    def __init__(self, *, kubeconfig: str | None = None, context: str | None = None) -> None:
        try:
            config.load_kube_config(  # type: ignore[no-untyped-call]
                config_file=kubeconfig, context=context)
        except config.ConfigException:
            config.load_incluster_config()  # type: ignore[no-untyped-call]
        self._api = client.ApiClient()
        self._core = client.CoreV1Api(self._api)
        self._apps = client.AppsV1Api(self._api)

    def ensure_namespace(self, name: str, labels: dict[str, str]) -> None:
        body = client.V1Namespace(metadata=client.V1ObjectMeta(name=name, labels=labels))
        try:
            self._core.create_namespace(body)
        except ApiException as error:
            if error.status != 409:
                raise
            self._core.patch_namespace(name, {"metadata": {"labels": labels}})

    def delete_namespace(self, name: str) -> None:
        try:
            self._core.delete_namespace(name)
        except ApiException as error:
            if error.status != 404:
                raise

    def read_secret(self, namespace: str, name: str) -> dict[str, str] | None:
        try:
            secret = self._core.read_namespaced_secret(name, namespace)
        except ApiException as error:
            if error.status == 404:
                return None
            raise
        return {k: base64.b64decode(v).decode() for k, v in (secret.data or {}).items()}

    def write_secret(self, namespace: str, name: str, data: dict[str, str],
                     labels: dict[str, str]) -> None:
        body = client.V1Secret(metadata=client.V1ObjectMeta(name=name, labels=labels),
                               type="Opaque", string_data=data)
        try:
            self._core.create_namespaced_secret(namespace, body)
        except ApiException as error:
            if error.status != 409:
                raise
            self._core.replace_namespaced_secret(name, namespace, body)

    def delete_secret(self, namespace: str, name: str) -> None:
        try:
            self._core.delete_namespaced_secret(name, namespace)
        except ApiException as error:
            if error.status != 404:
                raise

    def pods(self, namespace: str, selector: str) -> list[Pod]:
        found = self._core.list_namespaced_pod(namespace, label_selector=selector).items
        pods = []
        for pod in found:
            meta, state = pod.metadata or client.V1ObjectMeta(), pod.status or client.V1PodStatus()
            containers = state.container_statuses or []
            pods.append(Pod(name=meta.name or "", phase=state.phase or "Unknown",
                            component=(meta.labels or {}).get("app.kubernetes.io/component", ""),
                            ready=bool(containers) and all(c.ready for c in containers),
                            restarts=sum(c.restart_count for c in containers)))
        return pods

    def rollouts(self, namespace: str, selector: str) -> list[Rollout]:
        found = self._apps.list_namespaced_deployment(namespace, label_selector=selector).items
        rollouts = []
        for deployment in found:
            meta = deployment.metadata or client.V1ObjectMeta()
            state = deployment.status or client.V1DeploymentStatus()
            wanted = deployment.spec.replicas if deployment.spec else None
            rollouts.append(Rollout(
                name=meta.name or "", wanted=wanted or 0, updated=state.updated_replicas or 0,
                available=state.available_replicas or 0,
                observed_generation=state.observed_generation or 0,
                generation=meta.generation or 0))
        return rollouts

    def service_get(self, namespace: str, service: str, port: str, path: str,
                    query: dict[str, str]) -> Reply:
        """GET through the API server's service proxy (no port-forward needed)."""
        request = self._api.param_serialize(
            "GET", f"/api/v1/namespaces/{namespace}/services/{service}:{port}/proxy"
                   f"/{path.lstrip('/')}",
            query_params=list(query.items()), auth_settings=["BearerToken"])
        response = self._api.call_api(*request)
        return Reply(status=int(response.status),
                     body=bytes(response.read()))  # type: ignore[no-untyped-call]
