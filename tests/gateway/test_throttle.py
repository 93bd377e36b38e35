"""Login throttling and registration limits: the running gateway and the Redis logic."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis

from devstack.stack import Stack
from services.gateway.throttle import FailureThrottle, HourlyLimit, Limits
from tests.identity.support import PASSWORD, new_account


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


async def test_failed_logins_impose_an_exponential_delay(api: httpx.AsyncClient,
                                                        work_dir: Path) -> None:
    session = await new_account(api, work_dir / "mail")
    wrong = {"email": session.email, "password": "wrong password!!"}
    for _ in range(5):
        assert (await api.post("/v1/sessions", json=wrong)).status_code == 401
    blocked = await api.post("/v1/sessions", json={"email": session.email, "password": PASSWORD})
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) >= 1
    await asyncio.sleep(1.1)
    assert (await api.post("/v1/sessions",
                           json={"email": session.email, "password": PASSWORD})).status_code == 200


async def test_delays_double_and_the_hourly_cap_stops_everything(redis: Redis) -> None:
    throttle = FailureThrottle(redis, name=f"t{time.time_ns()}", limits=Limits(6, free=2))
    delays = []
    for _ in range(5):
        await throttle.failed("acct")
        delays.append(await throttle.retry_after("acct"))
    assert delays == [None, 1, 2, 4, 8]
    await throttle.failed("acct")
    capped = await throttle.retry_after("acct")
    assert capped is not None
    assert capped > 3000  # the rest of the hour
    await throttle.reset("acct")
    assert await throttle.retry_after("acct") is None


async def test_registrations_per_ip_are_limited(redis: Redis) -> None:
    limit = HourlyLimit(redis, name=f"r{time.time_ns()}", per_hour=3)
    results = [await limit.retry_after("10.0.0.1") for _ in range(4)]
    assert results[:3] == [None, None, None]
    assert results[3] is not None
    assert await limit.retry_after("10.0.0.2") is None


async def test_no_secret_or_email_reaches_the_logs(api: httpx.AsyncClient, work_dir: Path,
                                                   stack: Stack) -> None:
    session = await new_account(api, work_dir / "mail")
    await api.post("/v1/sessions", json={"email": session.email, "password": "wrong password!!"})
    await api.post("/v1/sessions/refresh", json={"refresh_token": session.refresh_token})
    await asyncio.sleep(0.5)
    logs = "".join(p.read_text(errors="replace") for p in stack.config.log_dir.glob("*"))
    assert logs
    for secret in (session.email, PASSWORD, session.refresh_token, session.access_token):
        assert secret not in logs
