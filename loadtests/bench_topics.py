"""Topics of 100,000 posts and duplicates while writing over them, through the gateway.

Starts its own stack on free ports (as bench_posting.py), creates a consultation with
five themes, and writes `--posts` synthetic posts (loadtests/topic_corpus.py: 30
subjects over a shared filler vocabulary) straight into the synthesis service's corpus
collection, as its `post.created` consumer would: posting 100,000 posts through threads
would measure posting, not topics. Then:

- Topics: `POST /v1/consultations/{id}/topics/runs` as an idea catcher, polled with
  `GET …/topics` until done; prints the run's own seconds (read, cluster in the worker
  process, save) and the wall time, the number of topics, and their purity (the share of
  representative posts that are of their topic's majority subject).
- Duplicates: `POST /v1/consultations/{id}/similar` with `--drafts` distinct drafts (the
  first half of a random post's words, one word changed), one at a time; prints p50,
  p95 and p99 latency as the client sees them, and how often the post the draft came
  from is the first match. The first request waits for the index to load; it is not
  counted.

    .venv/bin/python -u -m loadtests.bench_topics [--posts 100000] [--drafts 1000]
        [--skip-topics] [--index-only]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from pymongo import AsyncMongoClient

from agora_kit.ids import new_id
from devstack import processes
from devstack.stack import Stack, StackConfig
from loadtests.topic_corpus import posts

OPERATOR = {"Authorization": "Bearer dev-bench~operator"}
CATCHER = {"Authorization": "Bearer dev-bench-catcher~idea_catcher"}
WRITER = {"Authorization": "Bearer dev-bench-writer"}
THEMES = 5
BATCH = 5_000


async def seed(mongo_uri: str, consultation: dict[str, Any], threads: list[str],
               count: int) -> tuple[dict[str, int], list[tuple[str, str]]]:
    """The corpus: post id -> subject, and (post id, body) in order."""
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo_uri)
    corpus = mongo["agora_synthesis"]["contributions"]
    subject_of: dict[str, int] = {}
    bodies: list[tuple[str, str]] = []
    batch: list[dict[str, Any]] = []
    stamp = datetime.now(UTC)
    for number, (subject, body) in enumerate(posts(count)):
        theme = number % THEMES
        post_id = new_id()
        subject_of[post_id] = subject
        bodies.append((post_id, body))
        batch.append({"_id": post_id, "consultation_id": consultation["id"],
                      "thread_id": threads[theme],
                      "theme_id": consultation["themes"][theme]["id"],
                      "author_id": f"bench-{number % 5000}", "body": body, "language": "en",
                      "created_at": stamp, "event_id": new_id(), "changed_at": stamp,
                      "revision": 0, "status": "visible"})
        if len(batch) == BATCH:
            await corpus.insert_many(batch)
            batch = []
    if batch:
        await corpus.insert_many(batch)
    await mongo.close()
    return subject_of, bodies


async def topics(api: httpx.AsyncClient, cid: str, subject_of: dict[str, int]) -> None:
    began = time.monotonic()
    started = await api.post(f"/v1/consultations/{cid}/topics/runs", headers=CATCHER)
    assert started.status_code == 202, started.text
    while True:
        await asyncio.sleep(2)
        reply = await api.get(f"/v1/consultations/{cid}/topics", headers=CATCHER)
        body = reply.json()
        if reply.status_code != 200:  # a database busy serving the run's read: poll again
            print(f"  topics poll: {reply.status_code} {body.get('detail')}")
            continue
        if body["run"]["state"] in ("done", "failed"):
            break
    wall = time.monotonic() - began
    assert body["run"]["state"] == "done", body["run"]
    found = body["items"]
    majority = total = 0
    for topic in found:
        subjects = Counter(subject_of[p["post_id"]] for p in topic["representative"])
        majority += subjects.most_common(1)[0][1]
        total += sum(subjects.values())
    print(f"topics: {body['run']['posts']} posts, run {body['run']['seconds']:.1f} s "
          f"(wall {wall:.1f} s), {body['run']['topics']} topics in all, {len(found)} "
          f"across themes, purity {majority / max(total, 1):.2f}")
    for topic in found[:3]:
        print(f"  {topic['size']:6d} {topic['key_phrases']}")


def draft_of(body: str, rng: random.Random) -> str:
    words = body.split()
    half = words[: max(6, len(words) // 2)]
    half[rng.randrange(len(half))] = "perhaps"
    return " ".join(half)


async def duplicates(api: httpx.AsyncClient, cid: str, bodies: list[tuple[str, str]],
                     drafts: int) -> None:
    url = f"/v1/consultations/{cid}/similar"
    began = time.monotonic()
    for _ in range(600):  # the first request loads the index (its deadline may pass)
        if (await api.post(url, headers=WRITER, json={"text": "warm up"})).status_code == 200:
            break
        await asyncio.sleep(1)
    print(f"duplicates: index ready after {time.monotonic() - began:.1f} s")
    rng = random.Random(11)
    latencies: list[float] = []
    first = 0
    for _ in range(drafts):
        post_id, body = bodies[rng.randrange(len(bodies))]
        t = time.perf_counter()
        reply = await api.post(url, headers=WRITER, json={"text": draft_of(body, rng)})
        latencies.append((time.perf_counter() - t) * 1000)
        assert reply.status_code == 200, reply.text
        items = reply.json()["items"]
        first += bool(items) and items[0]["id"] == post_id
    cuts = statistics.quantiles(latencies, n=100)
    print(f"duplicates: {drafts} distinct drafts over {len(bodies)} posts: p50 "
          f"{cuts[49]:.1f} ms, p95 {cuts[94]:.1f} ms, p99 {cuts[98]:.1f} ms; source post "
          f"first {first / drafts:.1%}")


def index_only(count: int, drafts: int) -> None:
    """The synthesis service's index in this process, without the gateway and gRPC: what
    the route's latency is made of."""
    from services.synthesis.topics.shard import Item, Shard

    bodies = [body for _, body in posts(count)]
    shard = Shard()
    began = time.monotonic()
    for start in range(0, count, BATCH):
        chunk = bodies[start:start + BATCH]
        shard.put([Item("post", str(start + i), f"t{(start + i) % THEMES}", "t", text[:300],
                        "en") for i, text in enumerate(chunk)], chunk)
    shard.rebuild()
    rng = random.Random(11)
    latencies: list[float] = []
    for _ in range(drafts):
        draft = draft_of(bodies[rng.randrange(count)], rng)
        t = time.perf_counter()
        shard.search(draft, theme_id="", limit=5, minimum=0.05)
        latencies.append((time.perf_counter() - t) * 1000)
    cuts = statistics.quantiles(latencies, n=100)
    print(f"index only: built over {count} posts in {time.monotonic() - began:.1f} s; "
          f"{drafts} drafts p50 {cuts[49]:.1f} ms, p95 {cuts[94]:.1f} ms, "
          f"p99 {cuts[98]:.1f} ms (load average {os.getloadavg()[0]:.2f})")


async def main(count: int, drafts: int, skip_topics: bool) -> None:
    work = Path(tempfile.mkdtemp(prefix="agora-bench-topics-"))
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
        extra_env={"AGORA_ENV": "test", "LOG_LEVEL": "WARNING",
                   "WRITE_RATE_PER_MINUTE": "100000"})
    stack = Stack(config)
    try:
        stack.start()
        print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}, {os.cpu_count()} cores")
        async with httpx.AsyncClient(base_url=config.gateway_url, timeout=60) as api:
            consultation = (await api.post("/v1/consultations", headers=OPERATOR, json={
                "title": "Bench", "languages": ["en"],
                "themes": [{"title": f"Theme {n}"} for n in range(THEMES)]})).json()
            threads = [(await api.post(
                f"/v1/consultations/{consultation['id']}/threads", headers=OPERATOR,
                json={"theme_id": theme["id"], "title": "t"})).json()["id"]
                for theme in consultation["themes"]]
            began = time.monotonic()
            subject_of, bodies = await seed(mongo_uri, consultation, threads, count)
            print(f"seeded {count} posts in {time.monotonic() - began:.1f} s")
            if not skip_topics:
                await topics(api, consultation["id"], subject_of)
            await duplicates(api, consultation["id"], bodies, drafts)
    finally:
        stack.stop()
        for server in servers:
            server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--drafts", type=int, default=1_000)
    parser.add_argument("--skip-topics", action="store_true", help="duplicates only")
    parser.add_argument("--index-only", action="store_true",
                        help="the similar-text index in process, no stack")
    arguments = parser.parse_args()
    if arguments.index_only:
        index_only(arguments.posts, arguments.drafts)
    else:
        asyncio.run(main(arguments.posts, arguments.drafts, arguments.skip_topics))
