"""Ballot throughput: the raw MongoDB transaction a ballot needs vs. end to end via HTTP.

Starts its own SecantusDB, NATS, Redis and the whole stack on free ports, then, in one
run against the same SecantusDB:

a) raw: the exact transaction a ballot submission commits (write the voter's gate — the
   close fence —, upsert the voter's ballot, insert the audit record under its
   idempotency-derived id, insert the outbox record), on the same indexes,
   `--raw-concurrency` at a time, straight through PyMongo (with the service's bounded
   retries on conflicts);
b) end to end: `--ballots` realistic ballots (10 proposals, 2 categories, exclusive) from
   distinct voters, `--concurrency` at a time, `PUT /v1/vote-sessions/{id}/ballot`
   through the gateway (plus `--replace-share` of them replacing an earlier ballot), in
   a consultation a strategist advanced to its prioritisation phase; the requests go
   through `light_http` (one keep-alive connection per client), because httpx cost
   more CPU per request than the gateway on this shared 2-core machine;

prints both rates and their ratio, then closes the session and checks every invariant
(each stored ballot within budget/caps/exclusivity, one per voter, audit records ==
versions, final tallies == a recount of the stored ballots). Exit status 1 on any
violation.

    .venv/bin/python -m loadtests.bench_ballots --ballots 20000 --concurrency 200
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from bson import Binary
from pymongo import AsyncMongoClient

from agora_kit import transactions
from agora_kit.events.outbox import Outbox
from agora_kit.mongo import Session
from devstack import processes
from devstack.stack import Stack, StackConfig
from loadtests.cpu import cpu_seconds
from loadtests.light_http import Connection, Dropped
from services.voting.ballots import ATTEMPTS, record_id, write_ballot
from services.voting.gates import Gates

Json = dict[str, Any]
PROPOSALS, GREEN, RED, CAP = 10, 10, 5, 5


def auth(account: str) -> dict[str, str]:
    return {"Authorization": f"Bearer dev-{account}"}


FACILITATOR = auth("bench~strategist")  # vote sessions are managed by strategists
OPERATOR = auth("bench-operator~operator")  # operators create consultations
PHASES = ("appropriation", "ideation", "deepening", "prioritisation", "deliverable")


async def raw_rate(uri: str, total: int, concurrency: int) -> float:
    """Transactions per second of exactly what one ballot commits."""
    client: AsyncMongoClient[Json] = AsyncMongoClient(uri, tz_aware=True)
    db = client["bench_raw"]
    gates = Gates(db)
    await gates.ensure_indexes()
    async with client.start_session() as session:
        await gates.create("s", session=session)
    await db.ballots.create_index([("session_id", 1), ("voter_id", 1)])
    await db.ballot_versions.create_index([("session_id", 1), ("voter_id", 1), ("version", 1)])
    await Outbox(db).ensure_indexes()
    limit = asyncio.Semaphore(concurrency)
    payload = Binary(b"x" * 300)

    async def one(i: int) -> None:
        async def work(session: Session) -> None:
            if not await gates.pass_through("s", str(i), session=session):
                raise AssertionError("gate closed")
            fields = {"session_id": "s", "voter_id": str(i), "submitted_at": time.time(),
                      "allocations": [{"proposal_id": "p", "category_id": "c",
                                       "tokens": 1}] * 6}
            ballot = await write_ballot(db.ballots, f"s:{i}", fields, None, session)
            await db.ballot_versions.insert_one(
                {**ballot, "_id": record_id(str(i), f"key{i}"), "idempotency_key": f"key{i}",
                 "request_hash": "0" * 64}, session=session)
            await db.outbox.insert_one({"_id": f"e{i}", "data": payload,
                                        "published_at": None}, session=session)

        async with limit:
            await transactions.run(client, work, attempts=ATTEMPTS)

    started = time.monotonic()
    await asyncio.gather(*(one(i) for i in range(total)))
    elapsed = time.monotonic() - started
    await client.drop_database("bench_raw")
    await client.close()
    return total / elapsed


def realistic_ballot(rng: random.Random, session: Json) -> list[Json]:
    proposals = [p["id"] for p in session["proposals"]]
    green, red = (c["id"] for c in session["categories"])
    rng.shuffle(proposals)
    allocations, left_green, left_red = [], GREEN, RED
    for proposal in proposals[:6]:
        if left_green and rng.random() < 0.6:
            tokens = rng.randint(1, min(CAP, left_green))
            left_green -= tokens
            allocations.append({"proposal_id": proposal, "category_id": green,
                                "tokens": tokens})
        elif left_red:
            tokens = rng.randint(1, left_red)
            left_red -= tokens
            allocations.append({"proposal_id": proposal, "category_id": red, "tokens": tokens})
    return allocations


def schedule(current: str, days: int = 7) -> list[Json]:
    """The five phases, `days` long each, dated so that `current` runs now."""
    start = datetime.now(UTC) - timedelta(days=days * PHASES.index(current) + 1)
    return [{"kind": kind, "starts_at": (start + timedelta(days=days * i)).isoformat(),
             "ends_at": (start + timedelta(days=days * (i + 1))).isoformat()}
            for i, kind in enumerate(PHASES)]


async def prioritising(api: httpx.AsyncClient) -> str:
    """A consultation in deepening, advanced to prioritisation by a strategist."""
    consultation = (await api.post("/v1/consultations", headers=OPERATOR, json={
        "title": "Bench", "languages": ["en"], "themes": [{"title": "Theme"}],
        "phases": schedule("deepening")})).json()
    advanced = await api.post(f"/v1/consultations/{consultation['id']}/phase-changes",
                              json={"change": "advance"}, headers=FACILITATOR)
    assert advanced.json()["current_phase"] == "prioritisation", advanced.text
    return str(consultation["id"])


async def end_to_end(base_url: str, total: int, concurrency: int,
                     replace_share: float) -> tuple[Json, float, Counter[int]]:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits) as api:
        consultation_id = await prioritising(api)
        body = {
            "categories": [
                {"name": {"en": "To take into account"}, "color": "#2e7d32",
                 "total_number": GREEN, "max_per_proposal": CAP},
                {"name": {"en": "Low potential"}, "color": "#c62828", "total_number": RED},
            ],
            "exclusive_categories": True,
            "proposals": [{"title": {"en": f"Proposal {i}"}} for i in range(PROPOSALS)],
        }
        session = (await api.post(f"/v1/consultations/{consultation_id}/vote-sessions",
                                  json=body, headers=FACILITATOR)).json()
        session = (await api.post(f"/v1/vote-sessions/{session['id']}/open",
                                  headers=FACILITATOR)).json()
        rng = random.Random(5)
        voters = [f"voter{i}" for i in range(total)]
        replacing = int(total * replace_share)
        work = voters + rng.sample(voters[: total // 2], replacing)
        statuses: Counter[int] = Counter()
        queue: asyncio.Queue[str] = asyncio.Queue()
        for voter in work:
            queue.put_nowait(voter)

        async def worker() -> None:
            connection = Connection(base_url)  # one keep-alive connection per worker
            while not queue.empty():
                voter = queue.get_nowait()
                body = {"allocations": realistic_ballot(rng, session)}
                # One key per submission: a retry after a dropped connection is the same
                # submission, never a second one.
                headers = {**auth(voter), "Idempotency-Key": f"{voter}-{rng.random()}"}
                for attempt in range(1, 30):
                    try:
                        status, _ = await connection.request(
                            "PUT", f"/v1/vote-sessions/{session['id']}/ballot",
                            json_body=body, headers=headers)
                    except Dropped:
                        statuses[0] += 1
                    else:
                        statuses[status] += 1
                        if status not in (409, 503):
                            break
                    # Back off like a real client: retrying at once feeds an overload.
                    await asyncio.sleep(min(0.2 * 2**attempt, 5.0) * rng.random())
            await connection.close()

        started = time.monotonic()

        async def progress() -> None:  # long runs (100,000 ballots) show they advance
            while True:
                await asyncio.sleep(60)
                done = statuses[200]
                print(f"  … {done} accepted in {time.monotonic() - started:.0f}s "
                      f"({done / (time.monotonic() - started):.0f}/s)", flush=True)

        reporter = asyncio.create_task(progress())
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        reporter.cancel()
        elapsed = time.monotonic() - started
        accepted = statuses[200]
        return session, accepted / elapsed, statuses


async def verify(base_url: str, uri: str, session: Json, expected_voters: int) -> list[str]:
    """Every invariant after the run; the list of violations (empty when all hold)."""
    problems: list[str] = []
    async with httpx.AsyncClient(base_url=base_url, timeout=600) as api:
        closed = await api.post(f"/v1/vote-sessions/{session['id']}/close",
                                headers=FACILITATOR)
        while closed.status_code in (202, 503) or closed.json()["status"] == "closing":
            await asyncio.sleep(2)  # a large session is still being counted
            closed = await api.get(f"/v1/vote-sessions/{session['id']}", headers=FACILITATOR)
        results = (await api.get(f"/v1/vote-sessions/{session['id']}/results")).json()
    client: AsyncMongoClient[Json] = AsyncMongoClient(uri, tz_aware=True)
    db = client["agora_voting"]
    ballots = await db.ballots.find({"session_id": session["id"]}).to_list()
    audits = Counter([a["voter_id"] async for a in db.ballot_versions.find(
        {"session_id": session["id"]}, {"voter_id": 1})])
    await client.close()
    rules = {c["id"]: c for c in session["categories"]}
    cells: Counter[tuple[str, str]] = Counter()
    for ballot in ballots:
        spent: Counter[str] = Counter()
        on: dict[str, set[str]] = {}
        for a in ballot["allocations"]:
            rule = rules[a["category_id"]]
            if not 0 < a["tokens"] <= (rule["max_per_proposal"] or rule["total_number"]):
                problems.append(f"cap: {ballot['_id']}")
            spent[a["category_id"]] += a["tokens"]
            on.setdefault(a["proposal_id"], set()).add(a["category_id"])
            cells[(a["proposal_id"], a["category_id"])] += a["tokens"]
        if any(spent[c] > rules[c]["total_number"] for c in rules):
            problems.append(f"budget: {ballot['_id']}")
        if any(len(c) > 1 for c in on.values()):
            problems.append(f"exclusivity: {ballot['_id']}")
        if audits[ballot["voter_id"]] != ballot["version"]:
            problems.append(f"audit: {ballot['_id']}")
    if len(ballots) != expected_voters:
        problems.append(f"{len(ballots)} ballots stored, {expected_voters} voters")
    if closed.json().get("ballot_count") != len(ballots):
        problems.append(f"closed with {closed.json().get('ballot_count')} ballots")
    tallied = Counter({(t["proposal_id"], t["category_id"]): t["tokens"]
                       for t in results["tallies"] if t["tokens"]})
    if tallied != +cells:
        problems.append("final tallies differ from a recount of the stored ballots")
    return problems


async def run(args: argparse.Namespace, stack: Stack, uri: str, pids: dict[str, int]) -> int:
    before = cpu_seconds(pids)
    raw = await raw_rate(uri, args.raw_ops, args.raw_concurrency)
    after = cpu_seconds(pids)
    per_op = {n: 1000 * (after[n] - before[n]) / args.raw_ops for n in pids}
    print(f"raw transaction (gate + ballot + audit + outbox): {raw:.0f}/s "
          f"({args.raw_ops} at concurrency {args.raw_concurrency}); CPU ms per transaction: "
          f"secantusdb {per_op['secantusdb']:.1f}, client {per_op['load generator']:.1f}",
          flush=True)
    before = cpu_seconds(pids)
    session, e2e, statuses = await end_to_end(stack.config.gateway_url, args.ballots,
                                              args.concurrency, args.replace_share)
    after = cpu_seconds(pids)
    accepted = statuses[200]
    print("CPU ms per accepted ballot: " + ", ".join(
        f"{name} {1000 * (after[name] - before[name]) / max(accepted, 1):.1f}"
        for name in sorted(pids, key=lambda n: before[n] - after[n])), flush=True)
    print(f"end to end through the gateway: {e2e:.0f} accepted ballots/s "
          f"(statuses {dict(statuses)}, 0 = dropped connection then retried; "
          f"concurrency {args.concurrency})", flush=True)
    print(f"ratio end-to-end / raw: {e2e / raw:.0%}", flush=True)
    started = time.monotonic()
    problems = await verify(stack.config.gateway_url, uri, session, args.ballots)
    print(f"close + verification: {time.monotonic() - started:.1f}s; "
          f"invariant violations: {len(problems)}", flush=True)
    for problem in problems[:20]:
        print("  " + problem)
    return 1 if problems else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ballots", type=int, default=10_000, help="distinct voters")
    parser.add_argument("--concurrency", type=int, default=32, help="HTTP requests in flight")
    parser.add_argument("--replace-share", type=float, default=0.1,
                        help="extra submissions that replace an earlier ballot, as a share")
    parser.add_argument("--raw-ops", type=int, default=3000)
    parser.add_argument("--raw-concurrency", type=int, default=300)
    parser.add_argument("--mongo-cache", default="4G",
                        help="SecantusDB's in-memory store size: 100,000 ballots with their "
                             "audit and outbox records outgrow its 1G default")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="agora-bench-"))
    logs = work / "logs"
    mongo = processes.secantus(processes.free_port(), ":memory:", logs,
                               cache_size=args.mongo_cache).start()
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
                       # Throughput, not latency, is measured: a queue on this shared
                       # 2-core machine must not turn into 503s and retries.
                       "RPC_TIMEOUT_SECONDS": "30"}))
        stack.start()
        pids = {name: child.process.pid for name, child in
                [("secantusdb", mongo), ("nats", nats), ("redis", redis),
                 *stack.children.items()] if child.process is not None}
        pids["load generator"] = os.getpid()
        code = asyncio.run(run(args, stack, uri, pids))
    finally:
        if stack is not None:
            stack.stop()
        for child in (redis, nats, mongo):
            child.stop()
    sys.exit(code)


if __name__ == "__main__":
    main()
