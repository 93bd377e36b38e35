"""Login and token-verification throughput on this machine.

Starts SecantusDB, NATS, Redis and the whole stack on free ports (as the tests do),
registers accounts, then measures for a fixed duration each:

- logins/s: `POST /v1/sessions` through the gateway (argon2id verify in identity,
  a refresh-token write, an EdDSA signature), `--concurrency` clients at once;
- authenticated requests/s: `GET /healthz` with a real access token (the gateway
  verifies the EdDSA signature against its cached JWKS and resolves platform roles
  from its Redis cache) — the per-request cost every authenticated route pays;
- verifications/s in one process: `JwksVerifier.verify` alone, no network.

Usage: `.venv/bin/python -m loadtests.bench_auth [--seconds 10] [--concurrency 16]`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

from devstack import processes
from devstack.stack import Stack, StackConfig
from services.gateway.clients import ServiceClients
from services.gateway.config import GatewaySettings
from services.gateway.jwks import JwksVerifier

PASSWORD = "benchmark passphrase 2026"


async def rate(work: Callable[[], Awaitable[bool]], *, seconds: float,
               concurrency: int) -> tuple[float, int]:
    """(successful calls per second, failed calls) of work, by concurrency workers."""
    done = failed = 0
    deadline = time.monotonic() + seconds

    async def worker() -> None:
        nonlocal done, failed
        while time.monotonic() < deadline:
            if await work():
                done += 1
            else:
                failed += 1

    started = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return done / (time.monotonic() - started), failed


async def measure(stack: Stack, seconds: float, concurrency: int) -> dict[str, float]:
    limits = httpx.Limits(max_connections=concurrency * 2)
    async with httpx.AsyncClient(base_url=stack.config.gateway_url, timeout=30,
                                 limits=limits) as api:
        emails = [f"bench{i}-{time.time_ns()}@example.org" for i in range(concurrency)]
        for email in emails:
            reply = await api.post("/v1/accounts", json={"email": email, "password": PASSWORD})
            reply.raise_for_status()
        for email in emails:  # registration completes in identity's background
            for _ in range(300):
                ready = await api.post("/v1/sessions",
                                       json={"email": email, "password": PASSWORD})
                if ready.status_code == 200:
                    break
                await asyncio.sleep(0.1)
            ready.raise_for_status()
        token = ready.json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        turn = iter(range(10**9))

        async def login() -> bool:
            email = emails[next(turn) % len(emails)]
            reply = await api.post("/v1/sessions", json={"email": email, "password": PASSWORD})
            return reply.status_code == 200

        async def authenticated() -> bool:
            return (await api.get("/healthz", headers=headers)).status_code == 200

        logins, login_failures = await rate(login, seconds=seconds, concurrency=concurrency)
        requests, request_failures = await rate(authenticated, seconds=seconds,
                                                concurrency=concurrency)

    settings = GatewaySettings(identity_addr=stack.config.address("identity"))
    clients = ServiceClients(settings)
    verifier = JwksVerifier(clients, issuer=settings.token_issuer,
                            audience=settings.token_audience, cache_seconds=300)
    await verifier.verify(token["access_token"])
    count, started = 0, time.monotonic()
    while time.monotonic() - started < seconds:
        await verifier.verify(token["access_token"])
        count += 1
    verifications = count / (time.monotonic() - started)
    await clients.close()
    return {"logins/s (HTTP)": logins, "failed logins (503: past the RPC deadline)":
            login_failures, "authenticated GET /healthz/s (HTTP)": requests,
            "failed authenticated GETs": request_failures,
            "token verifications/s (in process)": verifications}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-auth-"))
    logs = work / "logs"
    mongo = processes.secantus(processes.free_port(), ":memory:", logs).start()
    nats = processes.nats(processes.free_port(), work / "nats", logs).start()
    redis = processes.redis(processes.free_port(), logs).start()
    stack = None
    try:
        for child in (mongo, nats, redis):
            child.wait_port(60)
        config = StackConfig.on_free_ports(
            mongo_uri=f"mongodb://127.0.0.1:{mongo.port}/?directConnection=true",
            nats_url=f"nats://127.0.0.1:{nats.port}", redis_url=f"redis://127.0.0.1:{redis.port}/0",
            log_dir=logs, extra_env={"AGORA_ENV": "test", "MAIL_DIR": str(work / "mail"),
                                     "LOG_LEVEL": "WARNING",
                                     "REGISTRATIONS_PER_IP_PER_HOUR": "100000"})
        stack = Stack(config)
        stack.start()
        results = asyncio.run(measure(stack, args.seconds, args.concurrency))
        print(f"cpus={os.cpu_count()} seconds={args.seconds} concurrency={args.concurrency}")
        for name, value in results.items():
            print(f"{name}: {value:.1f}")
    finally:
        if stack is not None:
            stack.stop()
        for child in (redis, nats, mongo):
            child.stop()


if __name__ == "__main__":
    main()
