"""Bench (c) of issue 10: generating the whole deliverable (all formats) of a big
consultation, in seconds and in the synthesis process's peak resident memory.

Starts its own SecantusDB, NATS, Redis and the whole stack on free ports. The
consultation and `--deepened` two-column threads (each with an argument per column) are
made through the API; the rest is seeded straight into the synthesis service's database
(as the issue allows): `--posts` contributions of the corpus, `--ideas` ideas of which
`--retained` are retained and `--merged` merged into a retained one, `--extracts`
extracts spread over the ideas, reactions, a published synthesis and a closed vote on
`--proposals` proposals standing for retained ideas. Then a strategist asks for the
deliverable (`POST .../deliverables`) and the job is followed to `done`, sampling the
synthesis process's RSS (psutil) every 50 ms; the four files are fetched and their sizes
printed. Exit status 1 if the job fails or the goals (< 60 s, < 2 GiB) are missed.

    .venv/bin/python -m loadtests.bench_deliverable
"""

from __future__ import annotations

import argparse
import asyncio
import random
import signal
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psutil  # type: ignore[import-untyped]
from pymongo import AsyncMongoClient

from agora_kit.ids import new_id
from devstack import processes
from devstack.stack import Stack, StackConfig

Json = dict[str, Any]
OPERATOR = {"Authorization": "Bearer dev-bench-operator~operator"}
STRATEGIST = {"Authorization": "Bearer dev-bench~strategist"}
WORDS = ("bike", "lanes", "buses", "trams", "parking", "safety", "children", "schools",
         "noise", "trees", "shade", "benches", "markets", "night", "light", "crossings")
GOAL_SECONDS, GOAL_BYTES = 60.0, 2 * 1024 ** 3
BATCH = 2000


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


async def insert(collection: Any, docs: list[Json]) -> None:
    for i in range(0, len(docs), BATCH):
        await collection.insert_many(docs[i:i + BATCH], ordered=False)


async def seed(api: httpx.AsyncClient, db: Any, args: argparse.Namespace) -> str:
    rng = random.Random(10)
    reply = await api.post("/v1/consultations", headers=OPERATOR, json={
        "title": "A big consultation", "languages": ["en"],
        "question": "How should we share our streets?",
        "step_after": "The council votes on the top recommendations in June.",
        "themes": [{"title": f"Theme {i}"} for i in range(5)]})
    reply.raise_for_status()
    consultation = reply.json()
    cid, themes = consultation["id"], [t["id"] for t in consultation["themes"]]
    now = datetime.now(UTC)
    posts = [{"_id": new_id(), "consultation_id": cid, "thread_id": "0" * 24,
              "theme_id": rng.choice(themes), "author_id": f"user{rng.randrange(args.posts // 5)}",
              "body": sentence(rng, 30), "language": "en", "created_at": now,
              "event_id": new_id()} for _ in range(args.posts)]
    await insert(db["contributions"], posts)
    reacted = [rng.choice(posts)["_id"] for _ in range(args.posts // 2)]
    await insert(db["post_reactions"], [
        {"_id": f"{post_id}:reactor{i}", "post_id": post_id, "kind": "LIKE", "at": now,
         "user_id": f"reactor{i}", "consultation_id": cid}
        for i, post_id in enumerate(reacted)])
    ideas = [{"_id": new_id(), "consultation_id": cid, "theme_id": rng.choice(themes),
              "title": sentence(rng, 4)[:-1], "description": sentence(rng, 20),
              "parent_id": None, "status": "proposed", "merged_into": None,
              "thread_id": None, "merge": None, "created_by": "bench", "created_at": now}
             for _ in range(args.ideas)]
    retained = ideas[:args.retained]
    for idea in retained:
        idea["status"] = "retained"
    for idea in ideas[args.retained:args.retained + args.merged]:
        idea.update(status="merged", merged_into=rng.choice(retained)["_id"])
    for idea in retained[:args.deepened]:  # a real two-column thread, through the API
        thread = await api.post(f"/v1/consultations/{cid}/threads", headers=STRATEGIST, json={
            "theme_id": idea["theme_id"], "title": idea["title"][:200], "kind": "two_column",
            "idea_id": idea["_id"]})
        thread.raise_for_status()
        idea["thread_id"] = thread.json()["id"]
        for column in thread.json()["columns"]:
            for n in range(2):
                argued = await api.post(f"/v1/threads/{idea['thread_id']}/posts", json={
                    "body": sentence(rng, 25), "column_id": column["id"]},
                    headers={"Authorization": f"Bearer dev-arguer{n}"})
                argued.raise_for_status()
    await insert(db["ideas"], ideas)
    current = [i for i in ideas if i["status"] != "merged"]
    extracts = []
    for _ in range(args.extracts):
        post = rng.choice(posts)
        start = rng.randrange(0, 60)
        extracts.append({
            "_id": new_id(), "consultation_id": cid, "post_id": post["_id"],
            "thread_id": post["thread_id"], "theme_id": post["theme_id"],
            "nature": rng.choice(["issue", "actionable_solution", "knowledge", "example"]),
            "idea_id": rng.choice(current)["_id"], "state": "anchored",
            "anchor": {"exact": post["body"][start:start + 60],
                       "prefix": post["body"][max(0, start - 32):start],
                       "suffix": post["body"][start + 60:start + 92], "start": start,
                       "end": start + 60},
            "post_status": "hidden" if rng.random() < 0.02 else "visible",
            "author_id": post["author_id"], "author_erased": False, "language": "en",
            "post_revision": 0, "created_by": "bench", "created_at": now, "anchored_at": now})
    await insert(db["extracts"], extracts)
    session_id = new_id()
    await db["vote_results"].insert_one({
        "_id": session_id, "consultation_id": cid, "ballot_count": 5000,
        "results_digest": "", "closed_at": now,
        "categories": [{"id": "green", "name": "Priority", "color": "#2e7d32"},
                       {"id": "red", "name": "Low potential", "color": "#c62828"}],
        "proposals": [{"id": new_id(), "title": idea["title"], "idea_id": idea["_id"],
                       "tallies": [{"category_id": c, "tokens": rng.randrange(5000),
                                    "voters": rng.randrange(2000), "rank": r + 1}
                                   for r, c in enumerate(("green", "red"))]}
                      for idea in retained[:args.proposals]]})
    synthesis_id = new_id()
    await db["synthesis_versions"].insert_one({
        "_id": f"{synthesis_id}:1", "synthesis_id": synthesis_id, "consultation_id": cid,
        "number": 1, "title": "What we heard", "published_by": "bench", "published_at": now,
        "paragraphs": [{"anchor": new_id(), "text": sentence(rng, 80) +
                        f" [idea:{rng.choice(retained)['_id']}]"} for _ in range(30)]})
    return str(cid)


async def run(args: argparse.Namespace, stack: Stack, uri: str) -> int:
    client: AsyncMongoClient[Json] = AsyncMongoClient(uri, tz_aware=True)
    synthesis = stack.children["synthesis"]
    assert synthesis.process is not None
    process = psutil.Process(synthesis.process.pid)
    async with httpx.AsyncClient(base_url=stack.config.gateway_url, timeout=60) as api:
        began = time.monotonic()
        cid = await seed(api, client["agora_synthesis"], args)
        print(f"seeded in {time.monotonic() - began:.1f} s: {args.posts} posts, "
              f"{args.ideas} ideas ({args.retained} retained, {args.merged} merged, "
              f"{args.deepened} with a two-column thread), {args.extracts} extracts, "
              f"{args.proposals} proposals voted on", flush=True)
        baseline = process.memory_info().rss
        started = time.monotonic()
        reply = await api.post(f"/v1/consultations/{cid}/deliverables", json={},
                               headers=STRATEGIST)
        reply.raise_for_status()
        location, peak, job = reply.headers["Location"], baseline, reply.json()
        stage, refused = "", 0
        while job["status"] not in ("done", "failed"):
            await asyncio.sleep(0.05)
            peak = max(peak, process.memory_info().rss)
            polled = await api.get(location, headers=STRATEGIST)
            if polled.status_code != 200:  # a busy machine's 503: poll again
                refused += 1
                continue
            job = polled.json()
            if job["stage"] != stage:
                stage = job["stage"]
                print(f"  {time.monotonic() - started:6.1f} s  {stage} ({job['progress']} %)",
                      flush=True)
        seconds = time.monotonic() - started
        if job["status"] != "done":
            print(f"the job failed: {job}")
            return 1
        version = (await api.get(f"/v1/consultations/{cid}/deliverables/{job['version']}")
                   ).json()
        sizes = {f["format"]: f["size"] for f in version["files"]}
    mib = 1024 ** 2
    print(f"deliverable: {version['recommendations']} recommendations in {seconds:.1f} s "
          f"(goal < {GOAL_SECONDS:.0f} s); synthesis RSS {baseline / mib:.0f} MiB before, "
          f"peak {peak / mib:.0f} MiB (goal < {GOAL_BYTES / mib:.0f} MiB)")
    print("files: " + ", ".join(f"{k} {v / 1024:.0f} KiB" for k, v in sizes.items())
          + f"; status polls refused (busy machine): {refused}")
    return 0 if seconds < GOAL_SECONDS and peak < GOAL_BYTES else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--ideas", type=int, default=2000)
    parser.add_argument("--retained", type=int, default=300)
    parser.add_argument("--merged", type=int, default=100)
    parser.add_argument("--deepened", type=int, default=20)
    parser.add_argument("--extracts", type=int, default=10_000)
    parser.add_argument("--proposals", type=int, default=20)
    args = parser.parse_args()
    # A SIGTERM (`timeout`) ends the run through the `finally` below, stopping every child.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    work = Path(tempfile.mkdtemp(prefix="agora-bench-"))
    logs = work / "logs"
    mongo = processes.secantus(processes.free_port(), ":memory:", logs,
                               cache_size="2G").start()
    nats = processes.nats(processes.free_port(), work / "nats", logs).start()
    redis = processes.redis(processes.free_port(), logs).start()
    stack: Stack | None = None
    try:
        for child in (mongo, nats, redis):
            child.wait_port(60)
        uri = f"mongodb://127.0.0.1:{mongo.port}/?directConnection=true"
        stack = Stack(StackConfig.on_free_ports(
            mongo_uri=uri, nats_url=f"nats://127.0.0.1:{nats.port}",
            redis_url=f"redis://127.0.0.1:{redis.port}/0", log_dir=logs,
            extra_env={"LOG_LEVEL": "WARNING", "WRITE_RATE_PER_MINUTE": "1000000",
                       "RPC_TIMEOUT_SECONDS": "30"}))
        stack.start()
        code = asyncio.run(run(args, stack, uri))
    finally:
        if stack is not None:
            stack.stop()
        for child in (redis, nats, mongo):
            child.stop()
    sys.exit(code)


if __name__ == "__main__":
    main()
