"""A three-server JetStream cluster configured as deploy/datastores/nats-values.yaml asks
(`sync_interval: always`), and services declaring their streams with 3 replicas from
NATS_STREAM_REPLICAS, as the chart sets it: the stream carrying ballots is on all three
servers and keeps accepting events when one of them dies."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nats
import pytest
import yaml
from nats.errors import Error as NatsError

from agora_kit.events.streams import DEAD_LETTER_STREAM, EVENTS_STREAM
from agora_kit.runtime import DependenciesOnlyApp, ServiceRuntime
from agora_kit.settings import ServiceSettings
from devstack import processes
from devstack.processes import Child
from tests.deploy.support import ROOT
from tests.helpers import eventually

NATS_VALUES = ROOT / "deploy" / "datastores" / "nats-values.yaml"


def jetstream_settings() -> dict[str, Any]:
    """The JetStream settings the shipped values merge into each server's configuration."""
    values = yaml.safe_load(NATS_VALUES.read_text())["config"]
    assert values["cluster"] == {"enabled": True, "replicas": 3}
    merged: dict[str, Any] = values["jetstream"]["merge"]
    return merged


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Child]]:
    work = tmp_path_factory.mktemp("nats-cluster")
    ports = [processes.free_port() for _ in range(3)]
    routes = [processes.free_port() for _ in range(3)]
    servers = []
    for i in range(3):
        config = {
            "server_name": f"nats-{i}", "host": "127.0.0.1", "port": ports[i],
            "jetstream": {"store_dir": str(work / f"store-{i}"), **jetstream_settings()},
            "cluster": {"name": "agora", "host": "127.0.0.1", "port": routes[i],
                        "routes": [f"nats://127.0.0.1:{port}" for port in routes]},
        }
        path = work / f"nats-{i}.conf"
        path.write_text(json.dumps(config))
        servers.append(Child(f"nats-{i}", [processes.executable("nats-server"), "-c", str(path)],
                             work / f"nats-{i}.log", port=ports[i]).start())
    try:
        for server in servers:
            server.wait_port()
        yield servers
    finally:
        for server in servers:
            server.stop()


def urls(servers: list[Child]) -> str:
    return ",".join(f"nats://127.0.0.1:{s.port}" for s in servers)


def test_the_shipped_setting_is_a_configuration_nats_server_accepts(tmp_path: Path) -> None:
    config = tmp_path / "check.conf"
    config.write_text(json.dumps({"jetstream": {"store_dir": str(tmp_path),
                                                **jetstream_settings()}}))
    checked = subprocess.run(
        [processes.executable("nats-server"), "-c", str(config), "-t"],
        capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr
    assert jetstream_settings()["sync_interval"] == "always"


async def test_streams_have_three_replicas_and_survive_a_server(
        cluster: list[Child], mongo_uri: str) -> None:
    settings = ServiceSettings(grpc_port=processes.free_port(), mongo_uri=mongo_uri,
                               nats_url=urls(cluster), nats_stream_replicas=3)
    runtime = ServiceRuntime(DependenciesOnlyApp("cluster-test", "cluster_test"), settings)

    client = await nats.connect(servers=urls(cluster).split(","))
    js = client.jetstream()

    async def elected() -> bool:  # the servers first elect a JetStream meta leader
        try:
            await js.account_info()
            return True
        except (NatsError, TimeoutError):
            return False

    try:
        await eventually(elected, bool, within=60, interval=0.5)
        await runtime.start()
        for name in (EVENTS_STREAM, DEAD_LETTER_STREAM):
            info = await js.stream_info(name)
            assert info.config.num_replicas == 3, name
            assert info.cluster is not None
            assert len(info.cluster.replicas or []) == 2, name  # a leader and two replicas
        cluster[0].kill()

        async def published() -> str:  # after the client reconnects and a leader is elected
            try:
                ack = await js.publish("agora.c1.ballot.submitted", b"ballot", timeout=5)
            except (NatsError, TimeoutError):
                return ""
            return str(ack.stream)

        assert await eventually(published, bool, within=45, interval=0.5) == EVENTS_STREAM
    finally:
        await client.close()
        await runtime.stop()
