"""The alert rules under promtool: valid (templates included), and each alert fires on
the series it is for and stays quiet on healthy ones (tests/deploy/alerts_test.yaml)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import yaml

from tests.deploy.promql import alert_rules
from tests.deploy.support import CHART

RULES = CHART / "files" / "alerts.yaml"
UNIT_TESTS = Path(__file__).with_name("alerts_test.yaml")


def promtool(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("promtool")
    assert binary, "promtool is installed by .ci/run (Debian package prometheus)"
    return subprocess.run([binary, *args], capture_output=True, text=True, check=False,
                          cwd=cwd)


def test_the_rules_are_valid() -> None:
    checked = promtool("check", "rules", str(RULES))
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_every_alert_has_a_severity_a_summary_and_a_runbook() -> None:
    for rule in alert_rules():
        assert rule["labels"]["severity"] in {"page", "ticket"}, rule["alert"]
        annotations = rule["annotations"]
        assert annotations["summary"], rule["alert"]
        assert annotations["description"], rule["alert"]
        assert len(annotations["runbook"].splitlines()) >= 2, rule["alert"]


def test_promtool_unit_tests_cover_every_alert(tmp_path: Path) -> None:
    tested = {case["alertname"] for test in yaml.safe_load(UNIT_TESTS.read_text())["tests"]
              for case in test["alert_rule_test"] if case["exp_alerts"]}
    assert tested == {rule["alert"] for rule in alert_rules()}
    rules = yaml.safe_load(RULES.read_text())
    for group in rules["groups"]:
        for rule in group["rules"]:
            rule.pop("annotations")  # compared verbatim by promtool; see alerts_test.yaml
    (tmp_path / "alerts.rules.yaml").write_text(yaml.safe_dump(rules))
    shutil.copy(UNIT_TESTS, tmp_path / UNIT_TESTS.name)
    result = promtool("test", "rules", UNIT_TESTS.name, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
