"""agoractl end to end, everything but the final Kubernetes and Helm calls: the spec, the
plan rendered by the real chart, rollout waiting, status from the real gateway, the
open-data export and database dump of the real services, teardown's order and guard."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path
from typing import Any

import bson
import httpx
import pytest
import yaml
from pymongo import AsyncMongoClient

from agoractl import commands, plan
from agoractl.cli import main
from agoractl.spec import ConsultationSpec, SpecError
from devstack.stack import Stack
from tests.agoractl.fakes import FakeCluster, FakeReleases
from tests.debate import phased, post, thread_in
from tests.deploy.support import by_key, render

SPEC: dict[str, Any] = {
    "name": "future-of-work",
    "datastores": {"mongo_uri": "mongodb://db-0.db:27017/?replicaSet=rs0",
                   "nats_url": "nats://nats.messaging:4222",
                   "redis_url": "redis://redis.caches:6379/0"},
    "host": "future-of-work.example.org",
    "values": {"components": {"voting": {"enabled": True, "autoscaling": {"maxReplicas": 9}}}},
}


def spec_file(tmp_path: Path, **changes: Any) -> Path:
    path = tmp_path / "consultation.yaml"
    path.write_text(yaml.safe_dump({**SPEC, **changes}))
    return path


def context(cluster: FakeCluster) -> commands.Context:
    clock = [0.0]

    def sleep(seconds: float) -> None:
        clock[0] += seconds

    return commands.Context(cluster=cluster, releases=FakeReleases(cluster), sleep=sleep,
                            clock=lambda: clock[0])


def test_a_spec_is_read_and_checked(tmp_path: Path) -> None:
    spec = ConsultationSpec.load(spec_file(tmp_path))
    assert spec.target_namespace == "agora-future-of-work"
    assert spec.secret_name == "future-of-work-credentials"
    with pytest.raises(SpecError) as bad:
        ConsultationSpec.load(spec_file(tmp_path, name="Future_Of_Work", replicas=3,
                                        datastores={**SPEC["datastores"],
                                                    "mongo_uri": "postgres://x"}))
    message = str(bad.value)
    for field in ("name", "replicas", "datastores.mongo_uri"):
        assert f"  {field}:" in message, message
    with pytest.raises(SpecError, match=r"consultation\.yaml\.missing"):
        ConsultationSpec.load(tmp_path / "consultation.yaml.missing")


def test_the_plan_renders_through_the_chart_with_agoractls_secret(tmp_path: Path) -> None:
    spec = ConsultationSpec.load(spec_file(tmp_path))
    docs = by_key(render(plan.chart_values(spec), release=spec.name,
                         namespace=spec.target_namespace))
    assert ("Secret", "future-of-work-agora-secrets") not in docs  # agoractl's own instead
    gateway = docs["Deployment", "future-of-work-agora-gateway"]
    env = {e["name"]: e.get("valueFrom") for e in
           gateway["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["AUTHOR_KEY_SECRET"]["secretKeyRef"]["name"] == spec.secret_name
    assert docs["Ingress", "future-of-work-agora-gateway"]["spec"]["rules"][0]["host"] == \
        "future-of-work.example.org"
    assert docs["HorizontalPodAutoscaler", "future-of-work-agora-voting"]["spec"][
        "maxReplicas"] == 9
    data = plan.credentials(spec, None)
    assert data["mongo-uri"] == SPEC["datastores"]["mongo_uri"]
    assert len(data["author-key-secret"]) >= 32  # what the gateway requires in production
    assert len(data["signing-key-passphrase"]) >= 16
    kept = plan.credentials(spec, {**data, "smtp-password": "set by hand"})
    assert kept["author-key-secret"] == data["author-key-secret"]  # never regenerated
    assert kept["smtp-password"] == "set by hand"


@pytest.mark.parametrize("release", ["fow", "agora-fow", "a" * 53])
def test_the_gateway_service_name_is_the_charts(release: str) -> None:
    services = {d["metadata"]["name"] for d in render(
        {"secrets": {"create": False, "existingSecret": "x"}}, release=release)
        if d["kind"] == "Service"}
    assert plan.gateway_service(release) in services


def test_create_provisions_then_waits_for_the_rollout(tmp_path: Path) -> None:
    cluster = FakeCluster()
    ctx = context(cluster)
    spec = ConsultationSpec.load(spec_file(tmp_path))
    assert commands.create(spec, ctx) == 1
    assert cluster.calls == ["ensure_namespace agora-future-of-work",
                             "write_secret agora-future-of-work/future-of-work-credentials",
                             "deploy agora-future-of-work/future-of-work"]
    assert cluster.namespaces["agora-future-of-work"][
        "agora.example.org/consultation"] == "future-of-work"
    first = cluster.secrets["agora-future-of-work", "future-of-work-credentials"]
    assert ctx.clock() == 4.0  # ready at the third poll: two waits of 2 s
    again = commands.create(spec, ctx)
    assert again == 2  # an upgrade
    assert cluster.secrets["agora-future-of-work", "future-of-work-credentials"] == first


def test_a_rollout_that_does_not_finish_is_reported_by_name(tmp_path: Path) -> None:
    cluster = FakeCluster(polls_until_ready=10_000)
    spec = ConsultationSpec.load(spec_file(tmp_path))
    with pytest.raises(commands.CommandError) as failed:
        commands.create(spec, context(cluster), timeout=30)
    assert "future-of-work-agora-voting (0/2 available)" in str(failed.value)
    assert "kubectl -n agora-future-of-work get pods" in str(failed.value)


def test_the_cli_refuses_a_bad_spec_with_a_clear_message(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = spec_file(tmp_path, namespace="Not A Namespace")
    assert main(["status", str(path)], context=lambda args: context(FakeCluster())) == 2
    assert "namespace:" in capsys.readouterr().err


async def test_status_shows_pods_health_and_the_consultations_phase(
        tmp_path: Path, stack: Stack, api: httpx.AsyncClient,
        capsys: pytest.CaptureFixture[str]) -> None:
    consultation = await phased(api, "deepening")
    cluster = FakeCluster(gateway_url=stack.config.gateway_url)
    ctx = context(cluster)
    path = spec_file(tmp_path, consultation_id=consultation["id"])
    assert main(["create", str(path)], context=lambda args: ctx) == 0
    assert main(["status", str(path)], context=lambda args: ctx) == 0
    shown = capsys.readouterr().out
    assert "release revision: 1" in shown
    assert "gateway: ready" in shown
    assert "  voting: SERVING" in shown
    assert "future-of-work-agora-threads-abc12  Running  ready  restarts=0" in shown
    assert f"consultation {consultation['id']} (The future of work): phase deepening" in shown
    assert ("agora-future-of-work", "future-of-work-agora-gateway", "http", "/readyz") in \
        cluster.proxied


async def test_archive_holds_the_open_data_and_a_restorable_dump(
        tmp_path: Path, stack: Stack, api: httpx.AsyncClient,
        mongo: AsyncMongoClient[dict[str, Any]]) -> None:
    consultation = await phased(api, "ideation")
    thread = await thread_in(api, consultation)
    written = await post(api, thread, "Archive me, please", account="archivist")
    cluster = FakeCluster(gateway_url=stack.config.gateway_url)
    ctx = context(cluster)
    spec = ConsultationSpec.load(spec_file(tmp_path))
    commands.create(spec, ctx)
    mongo_uri = stack.config.mongo_uri
    archive = commands.archive(spec, ctx, tmp_path / "archives", mongo_uri=mongo_uri)
    assert archive.name.startswith("future-of-work-")
    extracted = tmp_path / "extracted"
    with tarfile.open(archive) as tar:
        tar.extractall(extracted, filter="data")
    root = next(extracted.iterdir())
    manifest = json.loads((root / "MANIFEST.json").read_text())
    assert manifest["consultation"] == "future-of-work"
    assert manifest["revision"] == 1
    listed = json.loads((root / "opendata" / "consultations.json").read_text())
    assert consultation["id"] in {c["id"] for c in listed}
    posts = json.loads((root / "opendata" / consultation["id"] / "posts" /
                        f"{thread['id']}.json").read_text())
    assert [p["id"] for p in posts] == [written["id"]]
    assert "Archive me, please" in json.dumps(posts)
    dumped = root / "dump" / "agora_threads"
    stored = await mongo["agora_threads"]["posts"].count_documents({})
    with (dumped / "posts.bson").open("rb") as stream:
        documents = list(bson.decode_file_iter(stream))
    assert len(documents) >= stored > 0  # written while the others kept writing: never less
    assert any(d["_id"] == bson.ObjectId(written["id"]) or str(d["_id"]) == written["id"]
               for d in documents)
    metadata = json.loads((dumped / "posts.metadata.json").read_text())
    assert {"_id_"} <= {index["name"] for index in metadata["indexes"]}


def test_teardown_needs_the_archive_then_removes_in_order(tmp_path: Path) -> None:
    cluster = FakeCluster()
    ctx = context(cluster)
    spec = ConsultationSpec.load(spec_file(tmp_path))
    commands.create(spec, ctx)
    cluster.calls.clear()
    with pytest.raises(commands.CommandError, match="agoractl archive"):
        commands.teardown(spec, ctx, archived=None)
    not_ours = tmp_path / "future-of-work-x.tar.gz"
    with tarfile.open(not_ours, "w:gz"):
        pass
    with pytest.raises(commands.CommandError, match="not an agoractl archive"):
        commands.teardown(spec, ctx, archived=not_ours)
    assert cluster.calls == []  # nothing touched
    ours = tmp_path / "future-of-work-20260101T000000Z.tar.gz"
    manifest = tmp_path / "future-of-work-20260101T000000Z" / "MANIFEST.json"
    manifest.parent.mkdir()
    manifest.write_text("{}")
    with tarfile.open(ours, "w:gz") as tar:
        tar.add(manifest.parent, arcname=manifest.parent.name)
    commands.teardown(spec, ctx, archived=ours)
    assert cluster.calls == ["remove agora-future-of-work/future-of-work",
                             "delete_secret agora-future-of-work/future-of-work-credentials",
                             "delete_namespace agora-future-of-work"]
