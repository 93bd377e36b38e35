"""The Helm chart, rendered by Helm's own engine and checked against Kubernetes' schemas.

Rendered with each values file of the chart's ci/ folder (minimal, production-like,
external datastores), every object must be valid for the Kubernetes API (strict: no
unknown fields); the Prometheus Operator objects, which kubernetes-validate has no schema
for, are checked for their shape and their rules by promtool.
"""

from __future__ import annotations

import copy
import importlib
import shutil
import subprocess
from pathlib import Path
from typing import Any

import helm_python as helm
import kubernetes_validate
import pytest
import yaml

from devstack.processes import SERVICES
from tests.deploy.support import (
    CHART,
    CI_VALUES,
    ROOT,
    Doc,
    by_key,
    container,
    env_of,
    of_kind,
    render,
    values_file,
)

KUBERNETES = "1.30.0"
OPERATOR_KINDS = {"ServiceMonitor", "PrometheusRule"}
GRPC = list(SERVICES)


@pytest.fixture(scope="module", params=[path.stem for path in CI_VALUES])
def rendered(request: pytest.FixtureRequest) -> tuple[str, list[Doc]]:
    return request.param, render(values_file(request.param))


def test_every_object_is_valid_for_the_kubernetes_api(rendered: tuple[str, list[Doc]]) -> None:
    name, docs = rendered
    assert docs, name
    for doc in docs:
        if doc["kind"] in OPERATOR_KINDS:
            continue
        kubernetes_validate.validate(doc, KUBERNETES, strict=True)


def test_helm_lint_is_clean_with_every_values_file() -> None:
    for path in CI_VALUES:
        report = helm.lint(CHART, yaml.safe_load(path.read_text()), strict=True)
        problems = [m for m in report["messages"] if m["severity"] >= 2]
        assert not problems, (path.name, report)
        assert not report["errors"], (path.name, report)


def test_rendering_is_deterministic() -> None:
    """Nothing random or dated: the same values render the same bytes, so an upgrade
    with unchanged values changes nothing."""
    values = values_file("production")
    assert render(values) == render(values)


def test_pods_run_locked_down(rendered: tuple[str, list[Doc]]) -> None:
    _, docs = rendered
    deployments = of_kind(docs, "Deployment")
    assert deployments
    for name, deployment in deployments.items():
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"]["runAsUser"] != 0, name
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        assert pod["automountServiceAccountToken"] is False, name
        security = container(deployment)["securityContext"]
        assert security["readOnlyRootFilesystem"] is True, name
        assert security["allowPrivilegeEscalation"] is False, name
        assert security["capabilities"]["drop"] == ["ALL"], name
        assert container(deployment)["resources"]["requests"], name


def test_grpc_services_have_native_grpc_probes() -> None:
    deployments = of_kind(render(values_file("minimal")), "Deployment")
    for name in GRPC:
        probes = container(deployments[f"agora-{name}"])
        assert probes["readinessProbe"]["grpc"] == {"port": 50051}, name
        assert probes["livenessProbe"]["grpc"] == {"port": 50051, "service": "liveness"}, name
        assert probes["startupProbe"]["grpc"]["service"] == "liveness", name
    gateway = container(deployments["agora-gateway"])
    assert gateway["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert gateway["livenessProbe"]["httpGet"]["path"] == "/healthz"


def test_the_component_map_is_the_services_that_exist() -> None:
    """Every service the repository runs is a component, and every component is a
    service folder with an entry point (the image runs it by name)."""
    components = yaml.safe_load((CHART / "values.yaml").read_text())["components"]
    assert set(components) == {*SERVICES, "gateway"}
    for name in components:
        assert (ROOT / "services" / name / "__main__.py").exists(), name


def test_adding_a_component_is_one_entry() -> None:
    values = values_file("minimal")
    values["components"] = {"newservice": {"enabled": True}}
    docs = by_key(render(values))
    for kind in ("Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget",
                 "ServiceMonitor", "NetworkPolicy"):
        assert (kind, "agora-newservice") in docs, kind
    assert env_of(docs["Deployment", "agora-gateway"])["NEWSERVICE_ADDR"] == \
        "agora-newservice:50051"
    assert container(docs["Deployment", "agora-newservice"])["args"] == ["newservice"]


def test_services_are_reachable_only_from_the_gateway_and_their_callers() -> None:
    policies = of_kind(render(values_file("production")), "NetworkPolicy")
    assert policies["agora-default-deny"]["spec"]["policyTypes"] == ["Ingress"]
    assert "ingress" not in policies["agora-default-deny"]["spec"]
    gateway = policies["agora-gateway"]["spec"]["ingress"]
    assert gateway[0]["from"] == [{"namespaceSelector": {"matchLabels": {
        "kubernetes.io/metadata.name": "ingress-nginx"}}}]
    # Prometheus still scrapes the gateway's /metrics (on its HTTP port).
    assert gateway[1] == {"ports": [{"port": "http", "protocol": "TCP"}], "from": [
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}]}

    def callers(name: str) -> list[str]:
        rules = policies[f"agora-{name}"]["spec"]["ingress"]
        grpc = next(r for r in rules if r["ports"][0]["port"] == "grpc")
        expressions = grpc["from"][0]["podSelector"]["matchExpressions"]
        assert {"key": "app.kubernetes.io/instance", "operator": "In",
                "values": ["agora"]} in expressions
        found: list[str] = next(e["values"] for e in expressions
                                if e["key"] == "app.kubernetes.io/component")
        return found

    # Notifications asks identity for addresses, threads for consultations' titles.
    assert callers("identity") == ["gateway", "notifications"]
    # Voting asks threads for phases, translation for languages, synthesis for posts.
    assert callers("threads") == ["gateway", "voting", "translation", "synthesis",
                                  "notifications"]
    # Synthesis asks voting for closed sessions, translation for a deliverable's texts.
    assert callers("voting") == ["gateway", "synthesis"]
    assert callers("translation") == ["gateway", "synthesis"]
    assert callers("notifications") == ["gateway"]
    # Notifications asks synthesis for a published synthesis's theme and title.
    assert callers("synthesis") == ["gateway", "notifications"]
    for name in GRPC:
        rules = policies[f"agora-{name}"]["spec"]["ingress"]
        assert {r["ports"][0]["port"] for r in rules} == {"grpc", "metrics"}, name


def test_every_service_may_reach_the_services_it_is_configured_to_call() -> None:
    """A service's settings name each service it calls (`<name>_addr`): the chart gives
    it that address and the callee's NetworkPolicy admits it (synthesis, for one, asks
    threads, voting and translation)."""
    docs = by_key(render(values_file("production")))
    policies = of_kind(list(docs.values()), "NetworkPolicy")
    for caller in GRPC:
        module = importlib.import_module(f"services.{caller}.config")
        settings = next(v for k, v in vars(module).items() if k.endswith("Settings")
                        and k != "ServiceSettings")
        for field in settings.model_fields:
            callee = field.removesuffix("_addr")
            if field == callee or callee not in GRPC:
                continue
            env = env_of(docs["Deployment", f"agora-{caller}"])
            assert env[field.upper()] == f"agora-{callee}:50051", (caller, field)
            rules = policies[f"agora-{callee}"]["spec"]["ingress"]
            grpc = next(r for r in rules if r["ports"][0]["port"] == "grpc")
            allowed = next(e["values"] for e in grpc["from"][0]["podSelector"][
                "matchExpressions"] if e["key"] == "app.kubernetes.io/component")
            assert caller in allowed, (caller, callee)


def test_anyone_reaches_the_gateway_by_default_and_only_it() -> None:
    policies = of_kind(render(values_file("minimal")), "NetworkPolicy")
    assert "from" not in policies["agora-gateway"]["spec"]["ingress"][0]
    for name in GRPC:
        assert all("from" in rule for rule in policies[f"agora-{name}"]["spec"]["ingress"])


def test_autoscaling_on_cpu_and_on_the_translation_consumer_lag() -> None:
    docs = render(values_file("production"))
    hpas = of_kind(docs, "HorizontalPodAutoscaler")
    assert set(hpas) == {f"agora-{name}" for name in (*SERVICES, "gateway")}
    for hpa in hpas.values():
        assert hpa["spec"]["metrics"][0]["resource"]["name"] == "cpu"
    lag = hpas["agora-translation"]["spec"]["metrics"][1]["external"]
    assert lag["metric"]["name"] == "agora_consumer_pending_messages"
    assert lag["metric"]["selector"]["matchLabels"]["service"] == "translation"
    assert len(hpas["agora-voting"]["spec"]["metrics"]) == 1
    deployments = of_kind(docs, "Deployment")
    assert all("replicas" not in d["spec"] for d in deployments.values())  # the HPA's
    assert hpas["agora-gateway"]["spec"]["minReplicas"] == 3
    pdbs = of_kind(docs, "PodDisruptionBudget")
    assert set(pdbs) == set(hpas)


def test_fixed_replicas_without_autoscaling() -> None:
    docs = render(values_file("external-datastores"))
    deployments = of_kind(docs, "Deployment")
    assert deployments["agora-gateway"]["spec"]["replicas"] == 2
    assert deployments["agora-voting"]["spec"]["replicas"] == 1
    assert "agora-synthesis" not in deployments  # disabled
    assert not of_kind(docs, "HorizontalPodAutoscaler")
    assert set(of_kind(docs, "PodDisruptionBudget")) == {"agora-gateway"}  # 1 replica: none


def test_credentials_come_from_a_secret_the_chart_writes_or_references() -> None:
    docs = by_key(render(values_file("minimal")))
    secret = docs["Secret", "agora-secrets"]["stringData"]
    assert secret["mongo-uri"].startswith("mongodb://")
    assert set(secret) == {"mongo-uri", "nats-url", "redis-url", "author-key-secret",
                           "signing-key-passphrase", "unsubscribe-secret"}
    gateway = env_of(docs["Deployment", "agora-gateway"])
    assert gateway["REDIS_URL"] == {"secretKeyRef": {"name": "agora-secrets", "key": "redis-url"}}
    assert "MONGO_URI" not in gateway  # the gateway has no database
    identity = env_of(docs["Deployment", "agora-identity"])
    assert identity["SMTP_PASSWORD"]["secretKeyRef"]["optional"] is True
    assert "AUTHOR_KEY_SECRET" not in identity  # each component gets only its own keys

    external = by_key(render(values_file("external-datastores")))
    assert not [key for key in external if key[0] == "Secret"]
    voting = env_of(external["Deployment", "agora-voting"])
    assert voting["MONGO_URI"]["secretKeyRef"]["name"] == "consultation-credentials"


def test_datastores_are_required_unless_an_existing_secret_holds_them() -> None:
    values = values_file("minimal")
    del values["datastores"]["mongoUri"]
    with pytest.raises(helm.HelmRenderError, match=r"datastores\.mongoUri is required"):
        render(values)


def test_the_gateway_has_an_ingress_and_traces_go_to_the_collector() -> None:
    docs = by_key(render(values_file("production")))
    rule = docs["Ingress", "agora-gateway"]["spec"]["rules"][0]
    assert rule["host"] == "future-of-work.example.org"
    assert rule["http"]["paths"][0]["backend"]["service"] == {
        "name": "agora-gateway", "port": {"name": "http"}}
    for name in (*SERVICES, "gateway"):
        env = env_of(docs["Deployment", f"agora-{name}"])
        assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://otel-collector.observability:4317"
        assert env["NATS_STREAM_REPLICAS"] == "3"
    minimal = by_key(render(values_file("minimal")))
    assert "OTEL_EXPORTER_OTLP_ENDPOINT" not in env_of(minimal["Deployment", "agora-voting"])
    assert ("Ingress", "agora-gateway") not in minimal


def test_monitoring_objects() -> None:
    docs = render(values_file("production"))
    monitors = of_kind(docs, "ServiceMonitor")
    assert set(monitors) == {f"agora-{name}" for name in (*SERVICES, "gateway")}
    for name, monitor in monitors.items():
        assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
        assert monitor["metadata"]["labels"]["release"] == "kube-prometheus-stack"
        endpoint = monitor["spec"]["endpoints"][0]
        assert endpoint["port"] == ("http" if name == "agora-gateway" else "metrics")
        assert endpoint["relabelings"][0]["targetLabel"] == "component"
    dashboards = of_kind(docs, "ConfigMap")
    assert {name.removeprefix("agora-dashboard-") for name in dashboards} == {
        path.stem for path in (CHART / "dashboards").glob("*.json")}
    for config_map in dashboards.values():
        assert config_map["metadata"]["labels"]["grafana_dashboard"] == "1"


def test_the_prometheus_rule_is_the_rule_file_and_promtool_accepts_it(tmp_path: Path) -> None:
    promtool = shutil.which("promtool")
    assert promtool, "promtool is installed by .ci/run (Debian package prometheus)"
    rules = of_kind(render(values_file("production")), "PrometheusRule")["agora-alerts"]
    assert rules["apiVersion"] == "monitoring.coreos.com/v1"
    assert rules["spec"] == yaml.safe_load((CHART / "files" / "alerts.yaml").read_text())
    rule_file = tmp_path / "rules.yaml"
    rule_file.write_text(yaml.safe_dump(rules["spec"]))
    checked = subprocess.run([promtool, "check", "rules", str(rule_file)],
                             capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr


BAD_VALUES: list[tuple[dict[str, Any], str]] = [
    ({"components": {"votng": {"replicas": 3}}}, "missing property 'enabled'"),
    ({"componentz": {}}, "additional properties 'componentz' not allowed"),
    ({"default": {"replicas": "two"}}, "want integer"),
    ({"default": {"autoscaling": {"maxReplicas": 0}}}, "minimum"),
    ({"components": {"voting": {"enabled": True, "resources": {"requests": {"cpu": "lots"}}}}},
     "cpu"),
    ({"components": {"voting": {"enabled": True, "env": {"lower_case": "x"}}}}, "lower_case"),
    ({"datastores": {"mongoUri": "postgres://db"}}, "mongoUri"),
    ({"datastores": {"natsUrl": "nats://a:4222,http://b"}}, "natsUrl"),
    ({"secrets": {"create": False}}, "existingSecret"),
    ({"secrets": {"authorKeySecret": "too short"}}, "authorKeySecret"),
    ({"image": {"pullPolicy": "Sometimes"}}, "pullPolicy"),
    ({"telemetry": {"otlpEndpoint": "collector:4317"}}, "otlpEndpoint"),
    ({"ingress": {"enabled": "yes"}}, "want boolean"),
    ({"nats": {"streamReplicas": 7}}, "streamReplicas"),
]


@pytest.mark.parametrize(("change", "message"), BAD_VALUES)
def test_the_schema_rejects_unknown_and_invalid_values(change: dict[str, Any],
                                                       message: str) -> None:
    values = merged(values_file("minimal"), change)
    with helm.Chart.load(CHART) as chart, pytest.raises(helm.HelmValuesError, match=message):
        chart.validate_schema(values)
    with pytest.raises(helm.HelmValuesError):  # and rendering refuses them the same way
        render(values)


def test_the_schema_accepts_every_shipped_values_file() -> None:
    with helm.Chart.load(CHART) as chart:
        chart.validate_schema({})
        for path in CI_VALUES:
            chart.validate_schema(yaml.safe_load(path.read_text()))


def merged(base: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    result = copy.deepcopy(base)
    for key, value in change.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merged(result[key], value)
        else:
            result[key] = value
    return result


def changed(before: list[Doc], after: list[Doc]) -> set[tuple[str, str]]:
    old, new = by_key(before), by_key(after)
    return {key for key in old.keys() | new.keys() if old.get(key) != new.get(key)}


def test_an_upgrade_with_changed_values_touches_only_what_changed() -> None:
    """What the README's upgrade note promises: a second `helm upgrade` with one value
    changed renders a diff in the objects that value drives, and nowhere else."""
    base = values_file("production")
    installed = render(base)
    assert changed(installed, render(base, upgrade=True)) == set()
    more_voters = merged(base, {"components": {"voting": {"autoscaling": {"maxReplicas": 20}}}})
    assert changed(installed, render(more_voters, upgrade=True)) == {
        ("HorizontalPodAutoscaler", "agora-voting")}
    verbose = merged(base, {"components": {"threads": {"env": {"LOG_LEVEL": "DEBUG"}}}})
    assert changed(installed, render(verbose, upgrade=True)) == {("Deployment", "agora-threads")}
    new_host = merged(base, {"ingress": {"hosts": ["consult.example.org"]}})
    assert changed(installed, render(new_host, upgrade=True)) == {("Ingress", "agora-gateway")}
    rotated = merged(base, {"secrets": {"smtpPassword": "rotated"}})
    # The Secret, and the pods that read it roll (their checksum annotation).
    assert changed(installed, render(rotated, upgrade=True)) == {
        ("Secret", "agora-secrets"), *(("Deployment", f"agora-{n}") for n in (*SERVICES,
                                                                              "gateway"))}
