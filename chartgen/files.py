"""Every generated file of the chart and its expected content."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from grafana_foundation_sdk.cog.encoder import JSONEncoder

from chartgen.dashboards import DASHBOARDS
from chartgen.values_table import readme_with_table

CHART = Path(__file__).resolve().parent.parent / "deploy" / "helm" / "agora"


def dashboard_json(name: str) -> str:
    """The dashboard as Grafana imports it: panels numbered (the SDK leaves every id 0),
    null options dropped so Grafana applies the panel's defaults."""
    model: dict[str, Any] = json.loads(JSONEncoder(sort_keys=True).encode(
        DASHBOARDS[name]().build()))
    for number, panel in enumerate(model["panels"], start=1):
        panel["id"] = number
        if panel.get("options") is None:
            panel.pop("options", None)
    model["schemaVersion"] = 38  # Grafana 10.1's, the SDK's types; newer Grafanas migrate it
    return json.dumps(model, indent=2, sort_keys=True) + "\n"


def generated() -> dict[Path, str]:
    files = {CHART / "dashboards" / f"{name}.json": dashboard_json(name) for name in DASHBOARDS}
    readme = CHART / "README.md"
    files[readme] = readme_with_table(readme.read_text() if readme.exists() else "",
                                      json.loads((CHART / "values.schema.json").read_text()))
    return files
