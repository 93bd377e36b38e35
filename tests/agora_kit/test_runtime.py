"""Service processes: health follows dependencies, SIGTERM is graceful, bad config stops."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from devstack import processes
from devstack.processes import ROOT
from devstack.stack import StackConfig
from tests.helpers import eventually


async def status_of(address: str) -> str:
    return processes.health_status(address)


async def test_health_follows_mongodb_and_sigterm_exits_cleanly(
    nats_url: str, redis_url: str, work_dir: Path
) -> None:
    logs = work_dir / "runtime"
    mongo_port = processes.free_port()
    config = StackConfig.on_free_ports(
        mongo_uri=f"mongodb://127.0.0.1:{mongo_port}/?directConnection=true",
        nats_url=nats_url, redis_url=redis_url, log_dir=logs,
        extra_env={"SHUTDOWN_GRACE_SECONDS": "3"},
    )
    address = config.address("threads")
    threads = processes.service("threads", config.env("threads"), logs).start()
    mongo = processes.secantus(mongo_port, ":memory:", logs)
    try:
        threads.wait_port()
        # Up and answering health checks, but not SERVING: MongoDB is not there yet.
        await eventually(lambda: status_of(address), lambda s: s == "NOT_SERVING")
        await asyncio.sleep(1.0)
        assert processes.health_status(address) == "NOT_SERVING"

        mongo.start().wait_port(60)
        await eventually(lambda: status_of(address), lambda s: s == "SERVING", within=30)

        mongo.kill()  # the watchdog notices a dependency going away
        await eventually(lambda: status_of(address), lambda s: s == "NOT_SERVING", within=30)
        mongo.start().wait_port(60)
        await eventually(lambda: status_of(address), lambda s: s == "SERVING", within=30)

        started = time.monotonic()
        code = threads.stop(timeout=10)
        assert code == 0
        assert time.monotonic() - started < 5
        assert '"msg": "stopped"' in threads.tail(5)
    finally:
        threads.kill()
        mongo.stop()


@pytest.mark.parametrize(
    ("service", "env", "named"),
    [
        ("threads", {"MONGO_URI": "http://db:27017"}, "MONGO_URI"),
        ("threads", {"GRPC_PORT": "seventy"}, "GRPC_PORT"),
        ("synthesis", {"NATS_URL": "localhost:4222"}, "NATS_URL"),
        ("voting", {"SHUTDOWN_GRACE_SECONDS": "-1"}, "SHUTDOWN_GRACE_SECONDS"),
        ("gateway", {"AGORA_ENV": "production"}, "AUTH_MODE=dev"),
        ("gateway", {"REDIS_URL": "memcached://x"}, "REDIS_URL"),
        ("identity", {"AGORA_ENV": "production", "MAIL_SENDER": "smtp"},
         "SIGNING_KEY_PASSPHRASE"),
    ],
)
def test_bad_configuration_stops_the_process_with_a_clear_message(
    service: str, env: dict[str, str], named: str
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", f"services.{service}"], cwd=ROOT, capture_output=True,
        text=True, timeout=60, env={**os.environ, **env},
    )
    assert result.returncode == 2
    assert "invalid configuration, refusing to start" in result.stderr
    assert named in result.stderr
    assert "Traceback" not in result.stderr
