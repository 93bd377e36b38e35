"""Service processes: health follows dependencies, SIGTERM is graceful, bad config stops."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
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


class HealthLog:
    """Every status of a service's health, polled every 0.1 s in a thread of its own (so a
    test's sleeps and signals do not delay it)."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.seen: list[tuple[float, str]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        while not self._stop.is_set():
            self.seen.append((time.monotonic(), processes.health_status(self.address)))
            time.sleep(0.1)

    def __enter__(self) -> HealthLog:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def statuses(self) -> set[str]:
        return {status for _, status in self.seen}

    async def first(self, status: str, after: float, within: float) -> float:
        """Seconds from `after` until the health first reported status."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            for at, seen in list(self.seen):
                if at >= after and seen == status:
                    return at - after
            await asyncio.sleep(0.1)
        raise AssertionError(f"not {status} within {within}s: {self.seen[-5:]}")


@dataclass
class Watched:
    """A threads service with a SecantusDB and a NATS of its own, so they can be paused
    and killed without touching the suite's shared servers."""

    mongo: processes.Child
    nats: processes.Child
    threads: processes.Child
    address: str


@pytest.fixture
async def watched(redis_url: str, work_dir: Path) -> AsyncIterator[Watched]:
    logs = work_dir / f"watchdog-{processes.free_port()}"
    mongo = processes.secantus(processes.free_port(), ":memory:", logs).start()
    nats = processes.nats(processes.free_port(), logs / "nats", logs).start()
    config = StackConfig.on_free_ports(
        mongo_uri=f"mongodb://127.0.0.1:{mongo.port}/?directConnection=true",
        nats_url=f"nats://127.0.0.1:{nats.port}", redis_url=redis_url, log_dir=logs)
    threads = processes.service("threads", config.env("threads"), logs)
    try:
        mongo.wait_port(60)
        nats.wait_port()
        threads.start()
        address = config.address("threads")
        await eventually(lambda: status_of(address), lambda s: s == "SERVING", within=60)
        yield Watched(mongo=mongo, nats=nats, threads=threads, address=address)
    finally:
        for child in (mongo, nats):
            child.resume()
        threads.kill()
        mongo.stop()
        nats.stop()


async def test_slow_dependencies_do_not_take_the_service_out_of_rotation(
    watched: Watched,
) -> None:
    """A dependency that answers late (here: stopped for 3 s at a time, as a checkpoint, a
    pause or a starved CPU would make it) is not a dead one: the service stays SERVING."""
    with HealthLog(watched.address) as health:
        for stalled in (watched.mongo, watched.mongo, watched.nats, watched.mongo,
                        watched.nats, watched.mongo):
            stalled.pause()
            await asyncio.sleep(3.0)
            stalled.resume()
            await asyncio.sleep(1.5)
    assert health.statuses() == {"SERVING"}, [s for s in health.seen if s[1] != "SERVING"]
    assert len(health.seen) > 100


@pytest.mark.parametrize("failure", ["mongodb killed", "mongodb hung", "nats killed", "nats hung"])
async def test_a_dead_dependency_turns_not_serving_promptly_and_back(
    watched: Watched, failure: str
) -> None:
    """Killed (connections refused) or hung (no answer at all): NOT_SERVING within the
    grace period (DEPENDENCY_GRACE_SECONDS, 6 s) and a probe interval (measured: 6-7 s);
    a hung NATS first needs the client's keep-alive to drop it, about one more grace
    period (measured: 11 s). SERVING again at the first answer after it returns."""
    child = watched.nats if failure.startswith("nats") else watched.mongo
    with HealthLog(watched.address) as health:
        died = time.monotonic()
        if failure.endswith("hung"):
            child.pause()
        else:
            child.kill()
        took = await health.first("NOT_SERVING", after=died, within=15)
        assert took < 12, took
        back = time.monotonic()
        if failure.endswith("hung"):
            child.resume()
        else:
            child.start().wait_port(60)
        await health.first("SERVING", after=back, within=30)
