"""Replay a real Pol.is consultation through the gateway and check nothing was lost.

The export becomes one consultation with one thread: each statement a post by its
author, each vote a reaction by its voter on that post (agree → like, disagree →
disagree, pass → the reaction withdrawn), sent at its recorded time compressed by
`--speed`. Quiet gaps longer than `--max-gap` recorded seconds are first shortened to
it (football-concussions spans four years, mostly without a vote): `speedup` is the
compressed timeline's length over the wall time the replay took, and
`speedup_vs_recorded` the same for the uncompressed span.

Writes are retried (same body; posts with the same Idempotency-Key) on a dropped
connection, 409, 429 and 5xx, with backoff. Votes of one voter on one statement are
sent in their recorded order, one after the other (the latest must win). At the end
every post's like/disagree counts are compared with the export's final state (latest
vote per voter and statement); `mismatches` counts the posts that differ.

    .venv/bin/python -m loadtests.replay --polis-export ../shared/data/polis/brexit-consensus \
        [--gateway http://127.0.0.1:8080] [--speed 100]

Without `--gateway` it starts its own cluster (loadtests/cluster.py) on free ports.
Accounts are development tokens (`dev-polis<id>`), so the gateway must run in test or
development mode: 1,500 argon2id logins would measure identity, not the replay.
Prints one JSON object; exit status 1 on a mismatch or a failed write.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loadtests.cluster import Cluster, temporary_work
from loadtests.light_http import Connection, Dropped
from loadtests.polis import Export, schedule

OPERATOR = {"Authorization": "Bearer dev-polis-operator~operator"}
RETRY_STATUSES = {0, 409, 429, 500, 502, 503, 504}
ATTEMPTS = 12


def voter(participant: str) -> dict[str, str]:
    return {"Authorization": f"Bearer dev-polis{participant}"}


@dataclass
class Tally:
    sent: int = 0
    acknowledged: int = 0
    retried: int = 0
    failed: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)


class Pool:
    """Keep-alive connections spread over the gateways (client-side balancing)."""

    def __init__(self, urls: list[str], size: int) -> None:
        self._free: asyncio.Queue[Connection] = asyncio.Queue()
        self._all = [Connection(urls[i % len(urls)]) for i in range(size)]
        for connection in self._all:
            self._free.put_nowait(connection)

    async def request(self, method: str, path: str, *, headers: dict[str, str],
                      body: Any = None) -> tuple[int, bytes]:
        connection = await self._free.get()
        try:
            return await connection.request(method, path, json_body=body, headers=headers)
        finally:
            self._free.put_nowait(connection)

    async def close(self) -> None:
        for connection in self._all:
            await connection.close()


async def send(pool: Pool, tally: Tally, method: str, path: str, headers: dict[str, str],
               body: Any = None) -> bytes | None:
    """One write, retried until acknowledged (2xx) or refused for good; its body."""
    tally.sent += 1
    started = time.perf_counter()
    for attempt in range(ATTEMPTS):
        try:
            status, payload = await pool.request(method, path, headers=headers, body=body)
        except Dropped:
            status, payload = 0, b""
        tally.statuses[status] += 1
        if 200 <= status < 300:
            tally.acknowledged += 1
            tally.latencies.append(time.perf_counter() - started)
            return payload
        if status not in RETRY_STATUSES:
            break
        if attempt == 0:
            tally.retried += 1
        await asyncio.sleep(min(0.05 * 2**attempt, 2.0) * (0.5 + random.random()))
    tally.failed += 1
    return None


async def create_thread(pool: Pool, title: str) -> str:
    tally = Tally()
    raw = await send(pool, tally, "POST", "/v1/consultations", OPERATOR, {
        "title": title[:200] or "Pol.is replay", "languages": ["en"],
        "themes": [{"title": "Statements"}]})
    if raw is None:
        raise RuntimeError(f"could not create the consultation: {tally.statuses}")
    consultation = json.loads(raw)
    raw = await send(pool, tally, "POST", f"/v1/consultations/{consultation['id']}/threads",
                     OPERATOR, {"theme_id": consultation["themes"][0]["id"],
                                "title": "Statements"})
    if raw is None:
        raise RuntimeError(f"could not create the thread: {tally.statuses}")
    return str(json.loads(raw)["id"])


async def read_counts(url: str, thread_id: str) -> dict[str, dict[str, int]]:
    """post id → reaction counts, every page of the thread (read anonymously), on a
    connection of its own: the pool's have been idle long enough for the gateway to
    close them (uvicorn's keep-alive timeout is 5 s)."""
    connection = Connection(url)
    try:
        return await _read_counts(connection, thread_id)
    finally:
        await connection.close()


async def _read_counts(connection: Connection, thread_id: str) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    cursor = ""
    while True:
        path = f"/v1/threads/{thread_id}/posts?limit=100" + (f"&cursor={cursor}" if cursor
                                                             else "")
        for attempt in range(ATTEMPTS):  # an idle keep-alive connection may have closed
            try:
                status, raw = await connection.request("GET", path, headers={})
            except Dropped:
                status, raw = 0, b""
            if status not in RETRY_STATUSES:
                break
            await asyncio.sleep(min(0.05 * 2**attempt, 2.0))
        if status != 200:
            raise RuntimeError(f"reading the thread: {status} {raw[:200]!r}")
        page = json.loads(raw)
        for post in page["items"]:
            counts[post["id"]] = post["reaction_counts"]
        cursor = page["next_cursor"] or ""
        if not cursor:
            return counts


def mismatched(expected: dict[str, Counter[str]], posts: dict[str, str],
               seen: dict[str, dict[str, int]]) -> list[str]:
    """Statements whose post's like/disagree counts differ from the export's (or that
    have no post)."""
    wrong = []
    for comment_id, want in expected.items():
        post_id = posts.get(comment_id)
        got = seen.get(post_id or "", {})
        if post_id is None or any(got.get(kind, 0) != want.get(kind, 0)
                                  for kind in ("like", "disagree")):
            wrong.append(comment_id)
    return wrong


async def replay(export: Export, urls: list[str], *, speed: float, max_gap: float,
                 concurrency: int = 64, settle: float = 30.0,
                 title: str = "Pol.is replay") -> dict[str, Any]:
    pool = Pool(urls, concurrency)
    tally = Tally()
    try:
        thread_id = await create_thread(pool, title)
        events: list[tuple[int, int, Any]] = sorted(
            [(s.at_ms, 0, s) for s in export.statements]
            + [(v.at_ms, 1, v) for v in export.votes], key=lambda e: (e[0], e[1]))
        offsets = schedule([at for at, _, _ in events], max_gap)
        posts: dict[str, str] = {}
        posted = {s.comment_id: asyncio.Event() for s in export.statements}
        # The previous write of each (statement, voter): the next one waits for it.
        previous: dict[tuple[str, str], asyncio.Task[None]] = {}
        limit = asyncio.Semaphore(concurrency)

        async def post(statement: Any) -> None:
            async with limit:
                headers = {**voter(statement.author_id),
                           "Idempotency-Key": f"polis-{uuid.uuid4().hex}"}
                raw = await send(pool, tally, "POST", f"/v1/threads/{thread_id}/posts",
                                 headers, {"body": statement.body, "format": "plain",
                                           "language": "en"})
            if raw is not None:
                posts[statement.comment_id] = json.loads(raw)["id"]
            posted[statement.comment_id].set()

        async def vote(item: Any, before: asyncio.Task[None] | None) -> None:
            await posted[item.comment_id].wait()
            if before is not None:
                await before
            post_id = posts.get(item.comment_id)
            if post_id is None:  # its statement's post failed: counted there
                return
            async with limit:
                path = f"/v1/posts/{post_id}/reaction"
                if item.reaction is None:
                    await send(pool, tally, "DELETE", path, voter(item.voter_id))
                else:
                    await send(pool, tally, "PUT", path, voter(item.voter_id),
                               {"kind": item.reaction})

        tasks: list[asyncio.Task[None]] = []
        started = time.monotonic()
        for (_, kind, item), offset in zip(events, offsets, strict=True):
            delay = started + offset / speed - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            if kind == 0:
                tasks.append(asyncio.create_task(post(item)))
            else:
                key = (item.comment_id, item.voter_id)
                task = asyncio.create_task(vote(item, previous.get(key)))
                previous[key] = task
                tasks.append(task)
        await asyncio.gather(*tasks)
        elapsed = time.monotonic() - started
        expected = export.final_counts()
        # Reads come from the gateway's cache, refreshed by the events: allow it to settle.
        deadline = time.monotonic() + settle
        while True:
            wrong = mismatched(expected, posts, await read_counts(urls[0], thread_id))
            if not wrong or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.5)
    finally:
        await pool.close()
    cuts = statistics.quantiles(tally.latencies, n=100) if len(tally.latencies) > 1 else [
        tally.latencies[0] if tally.latencies else float("nan")] * 99
    recorded = (events[-1][0] - events[0][0]) / 1000 if events else 0.0
    return {
        "sent": tally.sent, "acknowledged": tally.acknowledged, "retried": tally.retried,
        "failed": tally.failed, "mismatches": len(wrong),
        "latency_ms": {"p50": round(cuts[49] * 1000, 1), "p95": round(cuts[94] * 1000, 1),
                       "p99": round(cuts[98] * 1000, 1)},
        "speedup": round(offsets[-1] / elapsed, 1) if elapsed else None,
        "speedup_vs_recorded": round(recorded / elapsed, 1) if elapsed else None,
        "speed_requested": speed, "max_gap_s": max_gap,
        "compressed_timeline_s": round(offsets[-1], 1), "wall_s": round(elapsed, 1),
        "writes_per_s": round(tally.acknowledged / elapsed, 1) if elapsed else None,
        "statements": len(export.statements), "votes": len(export.votes),
        "statuses": {str(k): v for k, v in sorted(tally.statuses.items())},
        "thread_id": thread_id, "mismatched_statements": wrong[:20],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--polis-export", type=Path, required=True,
                        help="a folder with comments.csv and votes.csv")
    parser.add_argument("--gateway", action="append",
                        help="gateway URL (repeat to spread over replicas); none: start "
                             "a local cluster")
    parser.add_argument("--gateways", type=int, default=1,
                        help="gateway replicas of the local cluster (without --gateway)")
    parser.add_argument("--speed", type=float, default=50.0)
    parser.add_argument("--max-gap", type=float, default=1.0,
                        help="recorded seconds a quiet gap is shortened to (default 1)")
    parser.add_argument("--concurrency", type=int, default=64,
                        help="writes in flight at most (connections)")
    args = parser.parse_args(argv)
    export = Export.read(args.polis_export)
    cluster = None
    urls = args.gateway
    if not urls:
        cluster = Cluster(temporary_work("agora-replay-"), gateways=args.gateways).start()
        urls = cluster.gateway_urls
    try:
        result = asyncio.run(replay(export, urls, speed=args.speed, max_gap=args.max_gap,
                                    concurrency=args.concurrency,
                                    title=f"Pol.is replay: {args.polis_export.name}"))
    finally:
        if cluster is not None:
            cluster.stop()
    print(json.dumps(result), flush=True)
    return 1 if result["mismatches"] or result["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
