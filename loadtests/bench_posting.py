"""Sustained posting through the gateway, with every post's event delivered to NATS.

Starts its own stack on free ports, then for `--seconds` keeps `--concurrency` writers
posting into one thread (each writer a different account, so the per-account write rate
limit is not what is measured), and finally waits until the outbox has published every
`post.created` event to JetStream. Prints posts/s acknowledged, and posts/s with events
delivered (until the last event is published).

    .venv/bin/python -u -m loadtests.bench_posting [--seconds 15] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import httpx
import nats
from pymongo import AsyncMongoClient

from devstack import processes
from devstack.stack import Stack, StackConfig

OPERATOR = {"Authorization": "Bearer dev-bench~operator"}


async def main(seconds: float, concurrency: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="agora-bench-posting-"))
    logs = work / "logs"
    servers = [processes.secantus(processes.free_port(), ":memory:", logs).start(),
               processes.nats(processes.free_port(), work / "nats", logs).start(),
               processes.redis(processes.free_port(), logs).start()]
    for server in servers:
        server.wait_port(60)
    mongo_uri = f"mongodb://127.0.0.1:{servers[0].port}/?directConnection=true"
    nats_url = f"nats://127.0.0.1:{servers[1].port}"
    config = StackConfig.on_free_ports(
        mongo_uri=mongo_uri, nats_url=nats_url,
        redis_url=f"redis://127.0.0.1:{servers[2].port}/0", log_dir=logs,
        extra_env={"AGORA_ENV": "test", "LOG_LEVEL": "WARNING",
                   "WRITE_RATE_PER_MINUTE": "100000"})
    stack = Stack(config)
    try:
        stack.start()
        async with httpx.AsyncClient(base_url=config.gateway_url, timeout=30) as api:
            consultation = (await api.post("/v1/consultations", headers=OPERATOR, json={
                "title": "Bench", "languages": ["en"], "themes": [{"title": "t"}]})).json()
            thread = (await api.post(
                f"/v1/consultations/{consultation['id']}/threads", headers=OPERATOR,
                json={"theme_id": consultation["themes"][0]["id"], "title": "t"})).json()
            latencies: list[float] = []
            failures = 0
            deadline = time.monotonic() + seconds

            async def writer(n: int) -> None:
                nonlocal failures
                headers = {"Authorization": f"Bearer dev-writer{n}"}
                i = 0
                while time.monotonic() < deadline:
                    started = time.perf_counter()
                    reply = await api.post(f"/v1/threads/{thread['id']}/posts", headers=headers,
                                           json={"body": f"Writer {n}, idea {i}"})
                    i += 1
                    if reply.status_code != 201:
                        failures += 1
                        continue
                    latencies.append(time.perf_counter() - started)

            started = time.monotonic()
            await asyncio.gather(*(writer(n) for n in range(concurrency)))
            acknowledged = time.monotonic() - started
        mongo: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(mongo_uri)
        outbox = mongo["agora_threads"]["outbox"]
        for _ in range(600):  # poll the outbox (another process publishes), at most 2 min
            if not await outbox.count_documents({"type": "post.created", "published_at": None}):
                break
            await asyncio.sleep(0.2)
        delivered = time.monotonic() - started
        await mongo.close()
        client = await nats.connect(nats_url)
        info = await client.jetstream().stream_info("AGORA")
        await client.close()
        cuts = statistics.quantiles(latencies, n=100)
        print(f"{concurrency} writers, {seconds:.0f} s: {len(latencies)} posts acknowledged "
              f"({failures} failed), {len(latencies) / acknowledged:.1f} posts/s acknowledged, "
              f"{len(latencies) / delivered:.1f} posts/s with every event published "
              f"(last one {delivered - acknowledged:.1f} s after the last write); "
              f"p50 {cuts[49] * 1000:.0f} ms, p95 {cuts[94] * 1000:.0f} ms; "
              f"stream AGORA holds {info.state.messages} messages")
    finally:
        stack.stop()
        for server in servers:
            server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--concurrency", type=int, default=8)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.seconds, arguments.concurrency))
