"""Read one page (20 posts, with reaction counts) of a 10,000-post thread through the
gateway, side by side with a bare FastAPI endpoint returning JSON of the same size.

Starts its own SecantusDB, NATS, Redis, the services and the gateway on free ports
(nothing shared with a running `make run`), seeds the threads, then drives each target
with the same closed loop of concurrent clients and prints p50/p95/p99 and throughput.

Seeding writes the 10,000 posts and 5,000 reactions straight into the threads database
(insert_many): seeding is not what is measured, and through the API it would take
minutes. A 10-post thread is measured too, to show page reads do not grow with the
thread, and so is a reader never seen before on every request (a reader's first read of
a page, which no cache holds yet). Each row reports the CPU each process spent per
request.

    .venv/bin/python -m loadtests.bench_thread_read [--seconds 15] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from bson import ObjectId
from pymongo import AsyncMongoClient

from agora_kit.ids import encode_cursor
from devstack import processes
from devstack.stack import Stack, StackConfig
from loadtests.cpu import cpu_seconds
from loadtests.light_http import Connection, Dropped

OPERATOR = {"Authorization": "Bearer dev-bench~operator"}
# fan0 reacted to every other post of the seeded threads (see seed).
READER = {"Authorization": "Bearer dev-fan0"}
KINDS = ("like", "disagree", "dont_understand", "more_info")
# A different signed-in reader on every request: no answer of theirs is cached anywhere,
# so this is the cost of a reader's first read of a page (their reactions are asked of
# the threads service, the answer built from the cached page and counts).
NEW_READERS: dict[str, str] = {}


async def seed(api: httpx.AsyncClient, mongo_uri: str, posts: int) -> tuple[str, str]:
    """A thread of `posts` posts (ids in creation order) and reactions on half of them."""
    consultation = (await api.post("/v1/consultations", headers=OPERATOR, json={
        "title": "Bench", "languages": ["en"], "themes": [{"title": "t"}]})).json()
    thread = (await api.post(f"/v1/consultations/{consultation['id']}/threads",
                             headers=OPERATOR, json={"theme_id": consultation["themes"][0]["id"],
                                                     "title": "Big"})).json()
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(mongo_uri)
    db = client["agora_threads"]
    now = datetime.now(UTC)
    docs = [{"_id": str(ObjectId()), "thread_id": thread["id"],
             "consultation_id": consultation["id"], "theme_id": thread["theme_id"],
             "author_id": f"user{i % 500}", "created_by": f"user{i % 500}",
             "body": f"Post {i}: evening classes at the *library* would help people retrain.",
             "format": 2, "language": "en", "created_at": now, "parent_id": None,
             "column_id": None, "depth": 0, "revision": 0, "pinned": False,
             "status": "visible"} for i in range(posts)]
    for start in range(0, len(docs), 1000):
        await db["posts"].insert_many(docs[start:start + 1000])
    reactions = [{"_id": f"{d['_id']}:fan{j}", "post_id": d["_id"], "user_id": f"fan{j}",
                  "kind": KINDS[(i + j) % 4], "thread_id": thread["id"], "at": now}
                 for i, d in enumerate(docs[::2]) for j in range(1)]
    for start in range(0, len(reactions), 1000):
        await db["reactions"].insert_many(reactions[start:start + 1000])
    await client.close()
    return str(thread["id"]), str(docs[len(docs) // 2]["_id"])


async def drive(url: str, seconds: float, concurrency: int,
                headers: dict[str, str] | None = None, *,
                new_reader_each_time: bool = False) -> dict[str, float]:
    """`concurrency` clients, each on one keep-alive connection, reading `url` in a loop
    (as the same reader, or as a reader never seen before on every request).

    The client is `light_http`, as in the ballot benchmark: httpx spent more CPU per
    request than the endpoints measured, on the same two cores, so it measured itself."""
    parts = urlsplit(url)
    path = f"{parts.path}?{parts.query}" if parts.query else parts.path
    latencies: list[float] = []
    failures = 0
    deadline = time.monotonic() + seconds

    readers = itertools.count()

    async def worker() -> None:
        nonlocal failures
        connection = Connection(f"{parts.scheme}://{parts.netloc}")
        while time.monotonic() < deadline:
            sent = headers or {}
            if new_reader_each_time:
                sent = {"Authorization": f"Bearer dev-newreader{next(readers)}"}
            started = time.perf_counter()
            try:
                status, _ = await connection.request("GET", path, headers=sent)
            except Dropped:
                status = 0
            if status != 200:
                failures += 1
                continue
            latencies.append(time.perf_counter() - started)
        await connection.close()

    started = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.monotonic() - started
    if len(latencies) < 2:
        latencies = (latencies or [float("nan")]) * 2  # too few to estimate; shown as is
    cuts = statistics.quantiles(latencies, n=100)
    return {"requests": len(latencies), "failures": failures, "rps": len(latencies) / elapsed,
            "p50_ms": cuts[49] * 1000, "p95_ms": cuts[94] * 1000, "p99_ms": cuts[98] * 1000}


def report(name: str, result: dict[str, float], cpu_ms: dict[str, float]) -> str:
    """A table row; the CPU column names the processes that spent over 0.05 ms a request."""
    spent = ", ".join(f"{process} {ms:.1f}" for process, ms in
                      sorted(cpu_ms.items(), key=lambda item: -item[1]) if ms >= 0.05)
    return (f"| {name} | {result['requests']:.0f} | {result['failures']:.0f} | "
            f"{result['rps']:.1f} | "
            f"{result['p50_ms']:.1f} | {result['p95_ms']:.1f} | {result['p99_ms']:.1f} | "
            f"{spent} |")


async def main(seconds: float, concurrency: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="agora-bench-"))
    logs = work / "logs"
    servers = [processes.secantus(processes.free_port(), ":memory:", logs).start(),
               processes.nats(processes.free_port(), work / "nats", logs).start(),
               processes.redis(processes.free_port(), logs).start()]
    for server in servers:
        server.wait_port(60)
    mongo_uri = f"mongodb://127.0.0.1:{servers[0].port}/?directConnection=true"
    config = StackConfig.on_free_ports(
        mongo_uri=mongo_uri, nats_url=f"nats://127.0.0.1:{servers[1].port}",
        redis_url=f"redis://127.0.0.1:{servers[2].port}/0", log_dir=logs,
        extra_env={"AGORA_ENV": "test", "LOG_LEVEL": "WARNING"})
    stack = Stack(config)
    bare: processes.Child | None = None
    try:
        stack.start()
        async with httpx.AsyncClient(base_url=config.gateway_url, timeout=30) as api:
            big, middle_id = await seed(api, mongo_uri, 10_000)
            small, _ = await seed(api, mongo_uri, 10)
            print("seeded", flush=True)
            cursor = encode_cursor(middle_id)  # the page after post 5,000
            middle = await api.get(f"/v1/threads/{big}/posts",
                                   params={"limit": 20, "cursor": cursor})
        page_file = work / "page.json"
        page_file.write_bytes(middle.content)
        bare_port = processes.free_port()
        bare = processes.Child("bare", [sys.executable, "-m", "uvicorn",
                                        "loadtests.bare_app:app", "--port", str(bare_port),
                                        "--log-level", "warning"], logs / "bare.log",
                               env={**os.environ, "BARE_PAGE_FILE": str(page_file)},
                               port=bare_port).start()
        bare.wait_port()
        middle_url = f"{config.gateway_url}/v1/threads/{big}/posts?limit=20&cursor={cursor}"
        targets: dict[str, tuple[str, dict[str, str] | None]] = {
            "bare FastAPI, fixed JSON": (f"http://127.0.0.1:{bare_port}/page", None),
            "gateway, 10,000-post thread, page at post 5,000, anonymous": (middle_url, None),
            "gateway, 10,000-post thread, page at post 5,000, signed-in reader with "
            "reactions on it": (middle_url, READER),
            "gateway, 10,000-post thread, first page, signed-in":
                (f"{config.gateway_url}/v1/threads/{big}/posts?limit=20", READER),
            "gateway, 10-post thread, signed-in":
                (f"{config.gateway_url}/v1/threads/{small}/posts?limit=20", READER),
            "gateway, 10,000-post thread, page at post 5,000, a reader never seen before "
            "on every request": (middle_url, NEW_READERS),
        }
        print(f"page size: {len(middle.content)} bytes; {concurrency} concurrent clients, "
              f"{seconds:.0f} s per target", flush=True)
        pids = {name: child.process.pid for name, child in
                [("secantusdb", servers[0]), ("redis", servers[2]), ("bare", bare),
                 *stack.children.items()] if child.process is not None}
        pids["client"] = os.getpid()
        print("| target | ok requests | failed | req/s | p50 ms | p95 ms | p99 ms "
              "| CPU ms per request |")
        print("|---|---|---|---|---|---|---|---|")
        for name, (url, headers) in targets.items():
            fresh = headers is NEW_READERS
            await drive(url, 2, concurrency, headers, new_reader_each_time=fresh)  # warm-up
            before = cpu_seconds(pids)
            result = await drive(url, seconds, concurrency, headers, new_reader_each_time=fresh)
            after = cpu_seconds(pids)
            cpu_ms = {process: 1000 * (after[process] - before[process]) / result["requests"]
                      for process in pids}
            print(report(name, result, cpu_ms), flush=True)
    finally:
        if bare is not None:
            bare.stop()
        stack.stop()
        for server in servers:
            server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--concurrency", type=int, default=16)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.seconds, arguments.concurrency))
