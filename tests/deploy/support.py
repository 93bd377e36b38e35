"""The chart rendered through Helm's own engine (helm-python-sdk), as documents."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import helm_python as helm
import yaml

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "deploy" / "helm" / "agora"
CI_VALUES = sorted((CHART / "ci").glob("*.yaml"))
Doc = dict[str, Any]


def values_file(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((CHART / "ci" / f"{name}.yaml").read_text())
    return loaded


def render(values: dict[str, Any], *, release: str = "agora", namespace: str = "consultation",
           upgrade: bool = False) -> list[Doc]:
    """Every object the chart renders for values, in template order."""
    with helm.Chart.load(CHART) as chart:
        manifests = chart.render(values, name=release, namespace=namespace,
                                 is_install=not upgrade, is_upgrade=upgrade)
    docs: list[Doc] = []
    for path, text in sorted(manifests.items()):
        if path.endswith("NOTES.txt"):
            continue
        docs.extend(doc for doc in yaml.safe_load_all(text) if doc)
    return docs


def by_key(docs: list[Doc]) -> dict[tuple[str, str], Doc]:
    return {(doc["kind"], doc["metadata"]["name"]): doc for doc in docs}


def of_kind(docs: list[Doc], kind: str) -> dict[str, Doc]:
    return {doc["metadata"]["name"]: doc for doc in docs if doc["kind"] == kind}


def container(deployment: Doc) -> Doc:
    containers: list[Doc] = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    return containers[0]


def env_of(deployment: Doc) -> dict[str, Any]:
    return {item["name"]: item.get("value", item.get("valueFrom"))
            for item in container(deployment)["env"]}
