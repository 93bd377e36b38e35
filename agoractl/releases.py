"""The Helm calls agoractl makes (helm-python-sdk: Helm's own Go SDK), behind one interface.

`HelmReleases` makes the final calls against the cluster and is not run on these
machines; the commands are tested with a fake of `Releases`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import helm_python as helm


class Releases(Protocol):
    def deploy(self, chart: Path, name: str, namespace: str, values: dict[str, Any]) -> int:
        """Install, or upgrade when the release exists; returns the new revision."""
        ...

    def remove(self, name: str, namespace: str) -> None: ...
    def revision(self, name: str, namespace: str) -> int | None: ...


class HelmReleases:
    def __init__(self, *, kubeconfig: str | None = None, context: str | None = None) -> None:
        self._kubeconfig = kubeconfig
        self._context = context

    def _config(self, namespace: str) -> helm.Config:
        return helm.Config(kubeconfig_path=self._kubeconfig, kube_context=self._context,
                           namespace=namespace)

    def revision(self, name: str, namespace: str) -> int | None:
        with self._config(namespace) as cfg:
            try:
                return int(cfg.status(name)["revision"])
            except helm.HelmNotFoundError:
                return None

    def deploy(self, chart: Path, name: str, namespace: str, values: dict[str, Any]) -> int:
        with self._config(namespace) as cfg, helm.Chart.load(chart) as loaded:
            if self.revision(name, namespace) is None:
                release = cfg.install(loaded, name, values, namespace=namespace, timeout=600)
            else:
                release = cfg.upgrade(loaded, name, values, namespace=namespace, timeout=600)
            return int(release["revision"])

    def remove(self, name: str, namespace: str) -> None:
        with self._config(namespace) as cfg:
            cfg.uninstall(name, ignore_not_found=True, wait="watcher", timeout=300)
