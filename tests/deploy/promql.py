"""The PromQL of the chart: every dashboard query and alert signal, ready to evaluate.

Grafana's variables become what "All" selects (`.*`), `$__rate_interval` a minute and
`$__range` five minutes. An alert's expression is `signal > threshold` (or such parts
joined by `and`); its signals are what must return data from the running services (the
comparison itself returns data only while the alert fires).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml

from tests.deploy.support import CHART

SUBSTITUTIONS = {"$__rate_interval": "1m", "$__range": "5m", "$namespace": ".*",
                 "$service": ".*", "$consultation": ".*"}
COMPARISON = re.compile(r"^(?P<signal>.+?)\s*(?:>|<|>=|<=|==|!=)\s*(?P<threshold>[0-9.e+-]+)$",
                        re.DOTALL)
KEYWORDS = {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left",
            "group_right", "bool", "offset", "inf", "nan"}


@dataclass(frozen=True)
class Query:
    where: str  # "dashboard overview / panel 'Requests/s'" or "alert AgoraX"
    expr: str


def concrete(expr: str) -> str:
    for variable, value in SUBSTITUTIONS.items():
        expr = expr.replace(variable, value)
    assert "$" not in expr, f"unsubstituted variable in {expr!r}"
    return expr


def dashboard_queries() -> Iterator[Query]:
    for path in sorted((CHART / "dashboards").glob("*.json")):
        model: dict[str, Any] = json.loads(path.read_text())
        for panel in model["panels"]:
            for target in panel.get("targets", []):
                yield Query(f"dashboard {path.stem} / panel {panel['title']!r}",
                            concrete(target["expr"]))
        for variable in model["templating"]["list"]:
            if variable["type"] == "query":
                found = re.fullmatch(r"label_values\((.+),\s*(\w+)\)", variable["query"])
                assert found, variable["query"]
                yield Query(f"dashboard {path.stem} / variable {variable['name']}",
                            concrete(found.group(1)))


def alert_rules() -> list[dict[str, Any]]:
    groups = yaml.safe_load((CHART / "files" / "alerts.yaml").read_text())["groups"]
    return [rule for group in groups for rule in group["rules"]]


def split_and(expr: str) -> list[str]:
    """expr's parts joined by a top-level `and` (outside parentheses)."""
    parts, depth, start = [], 0, 0
    tokens = re.finditer(r"[()]|\band\b", expr)
    for token in tokens:
        if token.group() == "(":
            depth += 1
        elif token.group() == ")":
            depth -= 1
        elif depth == 0:
            parts.append(expr[start:token.start()])
            start = token.end()
    parts.append(expr[start:])
    return [part.strip() for part in parts]


def alert_signals() -> Iterator[Query]:
    for rule in alert_rules():
        for part in split_and(rule["expr"]):
            found = COMPARISON.match(part)
            assert found, f"{rule['alert']}: {part!r} is not `signal > threshold`"
            yield Query(f"alert {rule['alert']}", concrete(found.group("signal")))


def metric_names(expr: str) -> set[str]:
    """The metric names an expression selects (functions, keywords, label names and
    strings removed)."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', "", expr)
    text = re.sub(r"\{[^}]*\}", " ", text)
    text = re.sub(r"\[[^\]]*\]", " ", text)
    text = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    names = set()
    for token in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", text):
        following = text[token.end():].lstrip()
        if following.startswith("(") or token.group().lower() in KEYWORDS:
            continue
        names.add(token.group())
    return names
