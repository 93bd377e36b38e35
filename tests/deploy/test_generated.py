"""The chart's generated files (dashboards, the README's values table) are what their
generators make now: `make chart` after changing chartgen/ or values.schema.json."""

from __future__ import annotations

import json

from chartgen.__main__ import main
from chartgen.files import generated
from chartgen.values_table import END, START
from tests.deploy.support import CHART


def test_committed_files_are_generated_ones() -> None:
    stale = [str(path) for path, text in generated().items() if path.read_text() != text]
    assert not stale, "run `make chart`: " + ", ".join(stale)
    assert main(["--check"]) == 0


def test_the_values_table_lists_every_schema_key() -> None:
    readme = (CHART / "README.md").read_text()
    table = readme[readme.index(START):readme.index(END)]
    schema = json.loads((CHART / "values.schema.json").read_text())
    for name, child in schema["properties"].items():
        keys = child.get("properties", {}) or {"": None}
        for key in keys:
            assert f"`{name}.{key}" in table or f"`{name}`" in table, (name, key)


def test_dashboards_have_unique_ids_and_reference_ids() -> None:
    uids = set()
    for path in (CHART / "dashboards").glob("*.json"):
        model = json.loads(path.read_text())
        uids.add(model["uid"])
        ids = [panel["id"] for panel in model["panels"]]
        assert len(ids) == len(set(ids)), path.name
        for panel in model["panels"]:
            refs = [target["refId"] for target in panel.get("targets", [])]
            assert all(refs), (path.name, panel["title"])
            assert len(refs) == len(set(refs)), (path.name, panel["title"])
    assert len(uids) == len(list((CHART / "dashboards").glob("*.json")))


def test_dashboards_decode_as_grafana_dashboards() -> None:
    """Each file is a dashboard the SDK's Grafana models read back, panels and queries."""
    from grafana_foundation_sdk.cog.plugins import register_default_plugins
    from grafana_foundation_sdk.models.dashboard import Dashboard

    register_default_plugins()
    for path in (CHART / "dashboards").glob("*.json"):
        model = json.loads(path.read_text())
        decoded = Dashboard.from_json(model)
        assert decoded.title == model["title"]
        assert len(decoded.panels or []) == len(model["panels"])
