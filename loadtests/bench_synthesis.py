"""Harvesting and the ideas table under load, on a consultation of 100,000 posts, 2,000
ideas and 10,000 extracts (loadtests/seed_synthesis.py; `--scale` shrinks it).

(a) Filing extracts end to end through the gateway — token, admission, the synthesis
service asking threads for the post, anchoring, the transaction with its outbox event —
by `--concurrency` idea catchers (distinct accounts) for `--seconds`; then, in the same
run, the raw MongoDB transaction filing needs (read the post's `post_texts`, read and
touch the idea, insert the extract and its outbox record, through the kit's
`transactions.run`) by as many concurrent clients, into a copy of the ideas in a
database no relay reads. Prints extracts/s and p95 of both, and their ratio.

(b) Reading a theme's ideas table (`GET .../ideas?theme_id=&cursor=`, 20 ideas with
their counts) by `--readers` distinct signed-in accounts, themes and pages drawn from a
Zipf law (popular themes and first pages are read most, as people read), the readers
taking turns, so the requests are many readers' and not one request repeated. Prints
p50/p95/p99 and the read cache's hit ratio from the gateway's own counter
(`agora_cached_answers_total{read="ideas"}`).

The cluster is loadtests/cluster.py's (the services as `make run` starts them); the
client is light_http (httpx would spend more CPU than the gateway on these two cores).

    .venv/bin/python -u -m loadtests.bench_synthesis [--scale 1] [--seconds 20]
        [--concurrency 8] [--readers 5000]
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import itertools
import os
import random
import re
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import httpx
from pymongo import ASCENDING, AsyncMongoClient

from agora.v1 import synthesis_pb2
from agora_kit.events.catalog import EVENTS
from agora_kit.events.envelope import new_envelope
from agora_kit.events.outbox import Outbox
from agora_kit.ids import new_id
from agora_kit.mongo import Session
from agora_kit.transactions import run
from loadtests.cluster import Cluster, temporary_work
from loadtests.cpu import cpu_seconds
from loadtests.light_http import Connection, Dropped
from loadtests.seed_synthesis import Seeded, seed
from services.synthesis import anchoring

RAW_DB = "bench_synthesis_raw"
ZIPF = 1.1


def zipf(n: int, rng: random.Random) -> Callable[[], int]:
    """A draw of 0..n-1 with P(k) ∝ 1 / (k + 1)^ZIPF."""
    weights = list(itertools.accumulate(1 / (k + 1) ** ZIPF for k in range(n)))
    return lambda: min(n - 1, bisect.bisect(weights, rng.random() * weights[-1]))


def summary(latencies: list[float], failures: int, elapsed: float) -> dict[str, float]:
    cuts = statistics.quantiles(latencies or [float("nan")] * 2, n=100)
    return {"done": len(latencies), "failures": failures, "rate": len(latencies) / elapsed,
            "p50_ms": cuts[49] * 1000, "p95_ms": cuts[94] * 1000, "p99_ms": cuts[98] * 1000}


async def closed_loop(concurrency: int, seconds: float,
                      one: Callable[[int], Awaitable[bool]]) -> dict[str, float]:
    """`concurrency` workers calling one(worker) until the time is up."""
    latencies: list[float] = []
    failures = 0
    deadline = time.monotonic() + seconds

    async def worker(n: int) -> None:
        nonlocal failures
        while time.monotonic() < deadline:
            started = time.perf_counter()
            if await one(n):
                latencies.append(time.perf_counter() - started)
            else:
                failures += 1

    started = time.monotonic()
    await asyncio.gather(*(worker(n) for n in range(concurrency)))
    return summary(latencies, failures, time.monotonic() - started)


async def file_through_gateway(url: str, seeded: Seeded, concurrency: int,
                               seconds: float) -> dict[str, float]:
    connections = [Connection(url) for _ in range(concurrency)]
    rng = random.Random(1)
    path = f"/v1/consultations/{seeded.consultation}/extracts"

    async def one(n: int) -> bool:
        body = {"post_id": rng.choice(seeded.posts), "start": 0, "end": 30,
                "nature": "issue", "idea_id": rng.choice(seeded.ideas)}
        try:
            status, _ = await connections[n].request("POST", path, json_body=body, headers={
                "Authorization": f"Bearer dev-catcher{n}~idea_catcher"})
        except Dropped:
            return False
        return status == 201

    result = await closed_loop(concurrency, seconds, one)
    for connection in connections:
        await connection.close()
    return result


async def file_raw(mongo_uri: str, seeded: Seeded, concurrency: int,
                   seconds: float) -> dict[str, float]:
    """The statements of filing's transaction (extracts.py `file`), nothing else."""
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(mongo_uri, tz_aware=True)
    db = client[RAW_DB]
    ideas, extracts, texts = db["ideas"], db["extracts"], db["post_texts"]
    for keys in ([("consultation_id", ASCENDING), ("_id", ASCENDING)],
                 [("post_id", ASCENDING), ("_id", ASCENDING)],
                 [("idea_id", ASCENDING), ("_id", ASCENDING)]):
        await extracts.create_index(keys)
    await ideas.insert_many([{"_id": i, "consultation_id": seeded.consultation,
                              "status": "proposed"} for i in seeded.ideas])
    outbox = Outbox(db)
    rng = random.Random(2)
    body = "Post 1: evening classes at the library would help people retrain."
    anchor = anchoring.select(body, 0, 30).document()

    async def one(n: int) -> bool:
        post_id, idea_id, at = rng.choice(seeded.posts), rng.choice(seeded.ideas), \
            datetime.now(UTC)
        document = {"_id": new_id(), "consultation_id": seeded.consultation,
                    "post_id": post_id, "idea_id": idea_id, "nature": "issue",
                    "state": "anchored", "anchor": anchor, "created_at": at}

        async def work(session: Session) -> None:
            await texts.find_one({"_id": post_id}, session=session)
            await ideas.find_one({"_id": idea_id, "consultation_id": seeded.consultation},
                                 session=session)
            await ideas.update_one({"_id": idea_id}, {"$set": {"last_filed_at": at}},
                                   session=session)
            await extracts.insert_one(document, session=session)
            await outbox.add(new_envelope(
                event_type=EVENTS.extract_filed, consultation_id=seeded.consultation,
                actor="bench", payload=synthesis_pb2.ExtractChanged(
                    extract_id=str(document["_id"]), post_id=post_id)), session=session)

        await run(client, work)
        return True

    result = await closed_loop(concurrency, seconds, one)
    await client.close()
    return result


async def read_ideas_tables(url: str, seeded: Seeded, concurrency: int, seconds: float,
                            readers: int) -> dict[str, float]:
    connections = [Connection(url) for _ in range(concurrency)]
    rng = random.Random(3)
    theme_of = zipf(len(seeded.themes), rng)
    page_of = {theme: zipf(len(pages), rng) for theme, pages in seeded.pages.items()}
    accounts = itertools.cycle(rng.sample(range(readers * 10), readers))

    async def one(n: int) -> bool:
        theme = seeded.themes[theme_of()]
        pages = seeded.pages[theme]
        cursor = pages[page_of[theme]()]
        path = (f"/v1/consultations/{seeded.consultation}/ideas?theme_id={theme}"
                + (f"&cursor={cursor}" if cursor else ""))
        try:
            status, _ = await connections[n].request("GET", path, headers={
                "Authorization": f"Bearer dev-reader{next(accounts)}"})
        except Dropped:
            return False
        return status == 200

    result = await closed_loop(concurrency, seconds, one)
    for connection in connections:
        await connection.close()
    return result


async def answered_by_tier(metrics_url: str, read: str) -> dict[str, float]:
    async with httpx.AsyncClient(timeout=10) as client:
        text = (await client.get(metrics_url)).text
    pattern = re.compile(r'^agora_cached_answers_total\{read="' + read
                         + r'",tier="(\w+)"\} ([0-9.e+]+)$', re.M)
    return {tier: float(value) for tier, value in pattern.findall(text)}


def row(name: str, r: dict[str, float]) -> str:
    return (f"| {name} | {r['done']:.0f} | {r['failures']:.0f} | {r['rate']:.1f} | "
            f"{r['p50_ms']:.1f} | {r['p95_ms']:.1f} | {r['p99_ms']:.1f} |")


async def main(scale: float, seconds: float, concurrency: int, readers: int) -> None:
    cluster = Cluster(temporary_work("agora-bench-synthesis-"))
    try:
        cluster.start()
        assert cluster.config is not None
        url = cluster.gateway_urls[0]
        started = time.monotonic()
        seeded = await seed(url, cluster.mongo_uri, posts=int(100_000 * scale),
                            ideas=int(2_000 * scale), extracts=int(10_000 * scale))
        print(f"seeded {len(seeded.posts)} posts, {len(seeded.ideas)} ideas, "
              f"{int(10_000 * scale)} extracts in {time.monotonic() - started:.0f} s")
        loads = [os.getloadavg()[0]]
        spent: dict[str, str] = {}

        async def measured(name: str, phase: Awaitable[dict[str, float]]
                           ) -> dict[str, float]:
            """The phase's result; the CPU ms each process spent per operation in it."""
            before = cpu_seconds(cluster.pids())
            result = await phase
            after = cpu_seconds(cluster.pids())
            per = {p: (after[p] - before[p]) * 1000 / max(result["done"], 1)
                   for p in after if p in before}
            spent[name] = ", ".join(f"{p} {ms:.1f}" for p, ms in
                                    sorted(per.items(), key=lambda i: -i[1]) if ms >= 0.05)
            loads.append(os.getloadavg()[0])
            return result

        through = await measured("(a) gateway", file_through_gateway(
            url, seeded, concurrency, seconds))
        raw = await measured("(a) raw", file_raw(cluster.mongo_uri, seeded, concurrency,
                                                 seconds))
        metrics = f"{url}/metrics"
        before = await answered_by_tier(metrics, "ideas")
        reads = await measured("(b)", read_ideas_tables(url, seeded, concurrency, seconds,
                                                        readers))
        after = await answered_by_tier(metrics, "ideas")
        tiers = {t: after.get(t, 0) - before.get(t, 0) for t in after}
        total = sum(tiers.values()) or 1
        hits = tiers.get("process", 0) + tiers.get("redis", 0)
        print("| run | done | failed | per s | p50 ms | p95 ms | p99 ms |")
        print("|---|---|---|---|---|---|---|")
        print(row("(a) filing through the gateway", through))
        print(row("(a) raw MongoDB transaction", raw))
        print(row(f"(b) ideas table, {readers} readers", reads))
        print(f"filing through the gateway: {through['rate'] / raw['rate'] * 100:.0f} % of "
              f"the raw transaction's rate")
        print(f"ideas table: cache hit ratio {hits / total * 100:.1f} % "
              f"({', '.join(f'{t} {n:.0f}' for t, n in sorted(tiers.items()))})")
        for name, cpu in spent.items():
            print(f"CPU ms per operation, {name}: {cpu}")
        print(f"load average (1 min) at start, after (a) gateway, (a) raw, (b): "
              f"{', '.join(f'{x:.2f}' for x in loads)}; {os.cpu_count()} cores")
    finally:
        cluster.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0,
                        help="fraction of 100,000 posts, 2,000 ideas, 10,000 extracts")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--readers", type=int, default=5000)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.scale, arguments.seconds, arguments.concurrency,
                     arguments.readers))
