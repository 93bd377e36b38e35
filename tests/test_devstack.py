"""`make run`'s own servers: a Redis of its own unless REDIS_URL names one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from devstack import processes
from devstack.__main__ import own_redis
from devstack.processes import Child


@pytest.fixture
def foreign_redis(tmp_path: Path) -> Iterator[str]:
    """Another project's Redis, holding its own data."""
    child = processes.redis(processes.free_port(), tmp_path / "foreign-logs").start()
    child.wait_port()
    url = f"redis://127.0.0.1:{child.port}/0"
    redis.Redis.from_url(url).set("another-project", "its data")
    yield url
    child.stop()


def stopped(child: Child | None) -> None:
    assert child is not None
    child.stop()


def test_make_run_starts_a_redis_of_its_own_and_keeps_its_data(
    foreign_redis: str, tmp_path: Path
) -> None:
    port = processes.free_port()
    env = {"AGORA_DEV_REDIS_PORT": str(port)}  # no REDIS_URL
    url, child = own_redis(env, tmp_path / "data", tmp_path / "logs")
    try:
        assert url == f"redis://127.0.0.1:{port}/0"
        assert child is not None
        child.wait_port()
        ours = redis.Redis.from_url(url)
        assert ours.get("another-project") is None
        assert ours.config_get("dir")["dir"] == str(tmp_path / "data" / "redis")
        ours.set("agora", "kept")
        ours.close()
    finally:
        stopped(child)
    url, child = own_redis(env, tmp_path / "data", tmp_path / "logs")  # the next `make run`
    try:
        assert child is not None
        child.wait_port()
        again = redis.Redis.from_url(url)
        assert again.get("agora") == b"kept"
        again.close()
    finally:
        stopped(child)


def test_redis_url_names_the_redis_to_use(foreign_redis: str, tmp_path: Path) -> None:
    url, child = own_redis({"REDIS_URL": foreign_redis}, tmp_path, tmp_path)
    assert (url, child) == (foreign_redis, None)


def test_a_taken_port_or_a_silent_redis_url_stops_with_the_variable_to_change(
    foreign_redis: str, tmp_path: Path
) -> None:
    taken = foreign_redis.rsplit(":", 1)[1].split("/")[0]
    with pytest.raises(SystemExit, match="AGORA_DEV_REDIS_PORT"):
        own_redis({"AGORA_DEV_REDIS_PORT": taken}, tmp_path, tmp_path)
    silent = f"redis://127.0.0.1:{processes.free_port()}/0"
    with pytest.raises(SystemExit, match="REDIS_URL"):
        own_redis({"REDIS_URL": silent}, tmp_path, tmp_path)
