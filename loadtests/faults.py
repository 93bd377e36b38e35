"""Fault injection: while participants write, kill (-9) and restart in turn every service
process, a gateway replica, NATS and Redis, and pause (SIGSTOP/SIGCONT) the threads
service; then check that nothing the API acknowledged was lost or doubled.

The workload (`--writers` concurrent participants over all gateway replicas) posts with
an Idempotency-Key, sets reactions and submits ballots with an Idempotency-Key, and
retries every write (same body, same key) on a dropped connection, 409, 429 or 5xx,
with backoff, for up to `--retry-budget` seconds, as the web client does. Each fault:
SIGKILL, restart at once with the same environment (a server with its old port and
store), time until SERVING (gRPC health; the gateway's /readyz; a server's port), then
`--settle` seconds of normal work. Afterwards:

- every acknowledged post is stored exactly once under its key, every sent-but-never-
  acknowledged one at most once;
- every reaction is the participant's last acknowledged one;
- every acknowledged voter has exactly one ballot, equal to their last acknowledged
  submission and within the session's budget, with one audit record per version;
- every outbox record was published, and every JetStream consumer caught up (nothing
  pending, nothing unacknowledged); the reaction counts the gateways' read path
  serves (built from the events) equal the stored reactions;
- every restarted process was SERVING within 10 s.

It prints a Markdown report with the error rate (failed attempts / attempts) during
each fault's window (from the kill to `--settle` s after SERVING again) and exits 1 on
any violation.

    .venv/bin/python -m loadtests.faults [--writers 24] [--settle 5] [--out report.md]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import signal
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nats
from pymongo import AsyncMongoClient

from agora_kit.events.streams import EVENTS_STREAM
from devstack import processes
from loadtests.cluster import Cluster, temporary_work
from loadtests.light_http import Connection, Dropped
from loadtests.seed import seed

Json = dict[str, Any]
RETRY = {0, 409, 429, 500, 502, 503, 504}
SERVING_BOUND = 10.0
KINDS = ("like", "disagree", "more_info", "dont_understand")


@dataclass
class Ledger:
    """What the clients sent and what the API acknowledged."""

    posts: dict[str, str | None] = field(default_factory=dict)  # key → post id (acked)
    reactions: dict[tuple[str, str], str] = field(default_factory=dict)  # (post, user)
    ballots: dict[str, list[Json]] = field(default_factory=dict)  # voter → allocations
    attempts: list[tuple[float, bool]] = field(default_factory=list)  # (when, ok)
    unacknowledged: int = 0


async def attempt_until(connection: Connection, ledger: Ledger, method: str, path: str,
                        headers: dict[str, str], body: Any, budget: float) -> bytes | None:
    deadline = time.monotonic() + budget
    delay = 0.1
    while True:
        try:
            status, payload = await connection.request(method, path, json_body=body,
                                                       headers=headers)
        except Dropped:
            status, payload = 0, b""
        ledger.attempts.append((time.monotonic(), 200 <= status < 300))
        if 200 <= status < 300:
            return payload
        if status not in RETRY or time.monotonic() > deadline:
            ledger.unacknowledged += 1
            return None
        await asyncio.sleep(delay * (0.5 + random.random()))
        delay = min(delay * 2, 2.0)


async def writer(number: int, url: str, seeded: Json, ledger: Ledger, stop: asyncio.Event,
                 budget: float) -> None:
    """One participant: a post, a reaction, a ballot, in turn, until told to stop."""
    connection = Connection(url)
    rng = random.Random(number)
    user = f"fault-u{number}"
    auth = {"Authorization": f"Bearer dev-{user}"}
    session = seeded["session"]
    green = session["categories"][0]["id"]
    turn = 0
    while not stop.is_set():
        thread = rng.choice(seeded["threads"])
        if turn % 3 == 0:
            key = uuid.uuid4().hex
            ledger.posts[key] = None
            raw = await attempt_until(connection, ledger, "POST",
                                      f"/v1/threads/{thread['id']}/posts",
                                      {**auth, "Idempotency-Key": key},
                                      {"body": f"{user} idea {turn}", "format": "plain",
                                       "language": "en"}, budget)
            if raw is not None:
                ledger.posts[key] = json.loads(raw)["id"]
        elif turn % 3 == 1:
            post = rng.choice(thread["posts"])
            kind = rng.choice(KINDS)
            if await attempt_until(connection, ledger, "PUT", f"/v1/posts/{post}/reaction",
                                   auth, {"kind": kind}, budget) is not None:
                ledger.reactions[(post, user)] = kind
        else:
            proposal = rng.choice(session["proposals"])["id"]
            allocations = [{"proposal_id": proposal, "category_id": green,
                            "tokens": rng.randint(1, 5)}]
            if await attempt_until(connection, ledger, "PUT",
                                   f"/v1/vote-sessions/{session['id']}/ballot",
                                   {**auth, "Idempotency-Key": uuid.uuid4().hex},
                                   {"allocations": allocations}, budget) is not None:
                ledger.ballots[user] = allocations
        turn += 1
        await asyncio.sleep(rng.uniform(0.05, 0.3))
    await connection.close()


async def wait_up(cluster: Cluster, name: str, within: float = 60.0) -> None:
    if name in cluster.infra:
        await asyncio.to_thread(cluster.infra[name].wait_port, within)
    elif name.startswith("gateway"):
        index = 0 if name == "gateway" else int(name.rsplit("-", 1)[1]) - 1
        await asyncio.to_thread(cluster.wait_gateway, index, within)
    else:
        await asyncio.to_thread(cluster.wait_serving, name, within)


@dataclass
class Fault:
    target: str
    kind: str  # "kill" or "pause"
    started: float = 0.0
    serving_after: float = 0.0  # seconds from the restart (kill) or resume (pause)
    ended: float = 0.0


async def inject(cluster: Cluster, fault: Fault, settle: float, pause: float) -> None:
    fault.started = time.monotonic()
    child = cluster.infra.get(fault.target) or cluster.children[fault.target]
    if fault.kind == "kill":
        child.kill()
        restarted = time.monotonic()
        cluster.restart(fault.target)
    else:
        assert child.process is not None
        child.process.send_signal(signal.SIGSTOP)
        await asyncio.sleep(pause)
        child.process.send_signal(signal.SIGCONT)
        restarted = time.monotonic()
    await wait_up(cluster, fault.target)
    fault.serving_after = time.monotonic() - restarted
    await asyncio.sleep(settle)
    fault.ended = time.monotonic()


async def verify(cluster: Cluster, seeded: Json, ledger: Ledger) -> list[str]:
    problems: list[str] = []
    mongo: AsyncMongoClient[Json] = AsyncMongoClient(cluster.mongo_uri, tz_aware=True)
    threads, voting = mongo["agora_threads"], mongo["agora_voting"]
    for key, post_id in ledger.posts.items():
        stored = await threads.posts.find({"idempotency_key": key}, {"_id": 1}).to_list()
        if post_id is not None and [d["_id"] for d in stored] != [post_id]:
            problems.append(f"acknowledged post {key}: stored {stored}, answered {post_id}")
        elif post_id is None and len(stored) > 1:
            problems.append(f"unacknowledged post {key} stored {len(stored)} times")
    for (post, user), kind in ledger.reactions.items():
        reaction = await threads.reactions.find_one({"_id": f"{post}:{user}"})
        if reaction is None or reaction.get("kind") != kind:
            problems.append(f"reaction {post}:{user}: stored {reaction}, acknowledged {kind}")
    session = seeded["session"]
    rules = {c["id"]: c for c in session["categories"]}
    for voter, allocations in ledger.ballots.items():
        stored = await voting.ballots.find({"session_id": session["id"],
                                            "voter_id": voter}).to_list()
        if len(stored) != 1:
            problems.append(f"voter {voter}: {len(stored)} ballots")
            continue
        ballot = stored[0]
        mine = [{k: a[k] for k in ("proposal_id", "category_id", "tokens")}
                for a in ballot["allocations"]]
        if mine != allocations:
            problems.append(f"voter {voter}: stored {mine}, last acknowledged {allocations}")
        spent: Counter[str] = Counter()
        for a in ballot["allocations"]:
            spent[a["category_id"]] += a["tokens"]
        if any(spent[c] > rules[c]["total_number"] for c in spent):
            problems.append(f"voter {voter}: over budget {dict(spent)}")
        versions = await voting.ballot_versions.count_documents(
            {"session_id": session["id"], "voter_id": voter})
        if versions != ballot["version"]:
            problems.append(f"voter {voter}: {versions} audit records, version "
                            f"{ballot['version']}")
    problems += await caught_up(cluster, mongo)
    problems += await counts_served(cluster, seeded, threads)
    await mongo.close()
    return problems


async def caught_up(cluster: Cluster, mongo: AsyncMongoClient[Json],
                    within: float = 60.0) -> list[str]:
    """Every outbox published and every consumer of the stream with nothing pending."""
    assert cluster.config is not None
    broker = await nats.connect(cluster.config.nats_url)
    jsm = broker.jsm()
    deadline = time.monotonic() + within
    behind: list[str] = []
    while time.monotonic() < deadline:
        behind = []
        for name in ("agora_threads", "agora_voting", "agora_identity", "agora_synthesis",
                     "agora_translation"):
            left = await mongo[name].outbox.count_documents({"published_at": None})
            if left:
                behind.append(f"{name}: {left} outbox records unpublished")
        for consumer in await jsm.consumers_info(EVENTS_STREAM):
            if consumer.num_pending or consumer.num_ack_pending:
                behind.append(f"consumer {consumer.name}: {consumer.num_pending} pending, "
                              f"{consumer.num_ack_pending} unacknowledged")
        if not behind:
            break
        await asyncio.sleep(1)
    await broker.close()
    return behind


async def counts_served(cluster: Cluster, seeded: Json, threads: Any,
                        within: float = 30.0) -> list[str]:
    """The reaction counts each gateway serves (its event-fed read path) equal the
    stored reactions, for the seeded posts the writers reacted to."""
    wrong: list[str] = []
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        wrong = []
        for url in cluster.gateway_urls:
            connection = Connection(url)
            for thread in seeded["threads"]:
                status, raw = await connection.request(
                    "GET", f"/v1/threads/{thread['id']}/posts?limit=40", headers={})
                if status != 200:
                    wrong.append(f"{url} {thread['id']}: {status}")
                    continue
                for post in json.loads(raw)["items"]:
                    truth: Counter[str] = Counter()
                    async for r in threads.reactions.find({"post_id": post["id"]}):
                        truth[r["kind"]] += 1
                    if {k: v for k, v in post["reaction_counts"].items() if v} != dict(truth):
                        wrong.append(f"{url} post {post['id']}: served "
                                     f"{post['reaction_counts']}, stored {dict(truth)}")
            await connection.close()
        if not wrong:
            break
        await asyncio.sleep(1)
    return wrong[:20]


def error_rate(ledger: Ledger, start: float, end: float) -> tuple[int, int]:
    window = [ok for when, ok in ledger.attempts if start <= when <= end]
    return len(window), sum(1 for ok in window if not ok)


async def run(args: argparse.Namespace) -> int:
    cluster = Cluster(temporary_work("agora-faults-"), gateways=args.gateways).start()
    try:
        seeded = await seed(cluster.gateway_urls[0], cluster.mongo_uri, threads=20,
                            accounts=1)
        ledger = Ledger()
        stop = asyncio.Event()
        urls = cluster.gateway_urls
        writers = [asyncio.create_task(writer(i, urls[i % len(urls)], seeded, ledger, stop,
                                              args.retry_budget))
                   for i in range(args.writers)]
        await asyncio.sleep(args.settle)
        baseline_end = time.monotonic()
        targets = [*processes.SERVICES, cluster.gateway_name(len(urls) - 1), "nats", "redis"]
        faults = [Fault(t, "kill") for t in targets] + [Fault("threads", "pause")]
        for fault in faults:
            print(f"[faults] {fault.kind} {fault.target}", flush=True)
            await inject(cluster, fault, args.settle, args.pause)
        stop.set()
        await asyncio.gather(*writers)
        problems = await verify(cluster, seeded, ledger)
    finally:
        cluster.stop()
    lines = [f"# Fault injection ({args.writers} writers over {args.gateways} gateways, "
             f"retry budget {args.retry_budget:.0f} s)", "",
             f"Writes acknowledged: {sum(1 for p in ledger.posts.values() if p)} posts, "
             f"{len(ledger.reactions)} reactions (last per participant and post), "
             f"{len(ledger.ballots)} voters' ballots; given up after the budget: "
             f"{ledger.unacknowledged}.", "",
             "| fault | SERVING again after | attempts in window | failed | error rate |",
             "|---|---|---|---|---|"]
    first = ledger.attempts[0][0] if ledger.attempts else 0.0
    total, failed = error_rate(ledger, first, baseline_end)
    lines.append(f"| none (baseline, {args.settle:.0f} s) | - | {total} | {failed} | "
                 f"{100 * failed / max(total, 1):.1f}% |")
    for fault in faults:
        total, failed = error_rate(ledger, fault.started, fault.ended)
        action = "kill -9" if fault.kind == "kill" else f"SIGSTOP {args.pause:.0f} s"
        lines.append(f"| {action} {fault.target} | {fault.serving_after:.1f} s | {total} | "
                     f"{failed} | {100 * failed / max(total, 1):.1f}% |")
    slow = [f for f in faults if f.serving_after > SERVING_BOUND]
    problems += [f"{f.target} SERVING {f.serving_after:.1f} s after restart" for f in slow]
    lines += ["", "Violations: " + ("none" if not problems else str(len(problems))), ""]
    lines += [f"- {p}" for p in problems[:50]]
    report = "\n".join(lines) + "\n"
    print(report, flush=True)
    if args.out:
        args.out.write_text(report)
    return 1 if problems or ledger.unacknowledged else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writers", type=int, default=24)
    parser.add_argument("--gateways", type=int, default=2)
    parser.add_argument("--settle", type=float, default=5.0)
    parser.add_argument("--pause", type=float, default=5.0)
    parser.add_argument("--retry-budget", type=float, default=60.0)
    parser.add_argument("--out", type=Path)
    return asyncio.run(run(parser.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
