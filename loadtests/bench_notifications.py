"""Benchmarks of issue 16 (notifications), on a cluster of its own (loadtests/cluster.py):

(a) fan-out: a post followed by `--followers` accounts (10,000) gets a reply through the
    API; the time until every follower's in-app notification exists, and until the last
    follower's inbox shows it through the gateway (goal: < 10 s);
(b) digest: `--accounts` accounts (100,000) each with an undigested item of yesterday's
    daily window; the time until every account's digest (record + queued mail) is
    written by the running service (goal: < 5 min).

The followers and the digest items are seeded straight into the notifications database
(the issue is about the fan-out and the digest, not about creating accounts); the accounts
are not identity's, so their mails are dropped after the measure (no address).

    .venv/bin/python -m loadtests.bench_notifications [--followers N] [--accounts N]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from pymongo import AsyncMongoClient

from agora_kit.ids import new_id
from devstack import processes
from loadtests.cluster import Cluster, temporary_work

OPERATOR = {"Authorization": "Bearer dev-bench-operator~operator"}
AUTHOR = {"Authorization": "Bearer dev-benchauthor"}
BATCH = 2000
FANOUT_GOAL, DIGEST_GOAL = 10.0, 300.0


async def insert(collection: Any, docs: list[dict[str, Any]]) -> None:
    for i in range(0, len(docs), BATCH):
        await collection.insert_many(docs[i:i + BATCH], ordered=False)


async def fanout(api: httpx.AsyncClient, db: Any, followers: int) -> float:
    made = await api.post("/v1/consultations", headers=OPERATOR, json={
        "title": "Bench", "languages": ["en"], "themes": [{"title": "T"}]})
    consultation = made.json()
    thread = (await api.post(f"/v1/consultations/{consultation['id']}/threads",
                             headers=AUTHOR,
                             json={"theme_id": consultation["themes"][0]["id"],
                                   "title": "Busy"})).json()
    post = (await api.post(f"/v1/threads/{thread['id']}/posts", headers=AUTHOR,
                           json={"body": "Followed by many"})).json()
    accounts = [new_id() for _ in range(followers)]
    await insert(db["subscriptions"], [
        {"_id": f"{a}:post:{post['id']}", "account_id": a,
         "consultation_id": consultation["id"], "target_kind": "post",
         "target_id": post["id"], "active": True, "implicit": False} for a in accounts])
    started = time.monotonic()
    reply = (await api.post(f"/v1/threads/{thread['id']}/posts",
                            headers={"Authorization": "Bearer dev-benchreplier"},
                            json={"body": "A reply", "parent_id": post["id"]})).json()
    # Polling: the awaited state is in another process's database.
    while await db["notifications"].count_documents(  # noqa: ASYNC110
            {"post_id": reply["id"]}) < followers:
        await asyncio.sleep(0.05)
    written = time.monotonic() - started
    last = {"Authorization": f"Bearer dev-{accounts[-1]}"}
    while not (await api.get("/v1/notifications",  # noqa: ASYNC110
                             headers=last)).json()["items"]:
        await asyncio.sleep(0.05)
    visible = time.monotonic() - started
    print(f"fan-out: {followers} notifications written in {written:.2f} s, "
          f"visible in the last follower's inbox after {visible:.2f} s")
    return visible


async def digest(db: Any, accounts: int) -> float:
    """Items arrive as they would: undigested, while the service's digest job runs (it
    checks every second); timed from the first insert to the last digest."""
    yesterday = int(datetime.now(UTC).timestamp() // 86_400) - 1
    at = datetime.now(UTC) - timedelta(days=1)
    started = time.monotonic()
    await insert(db["notifications"], [
        {"_id": new_id(), "event_id": new_id(), "account_id": new_id(), "kind": "new_post",
         "consultation_id": "0" * 24, "theme_id": "", "thread_id": "", "post_id": "",
         "excerpt": "Something happened", "params": {}, "in_app": True, "read": False,
         "created_at": at, "digest": "daily", "digest_window": yesterday, "digested": False}
        for _ in range(accounts)])
    seeded = time.monotonic() - started
    while (done := await db["digests"].count_documents(  # noqa: ASYNC110
            {"window": yesterday})) < accounts:
        await asyncio.sleep(1.0)
    took = time.monotonic() - started
    print(f"digest: {accounts} items inserted in {seeded:.1f} s; {done} daily digests "
          f"written {took:.1f} s after the first insert")
    return took


async def run(cluster: Cluster, args: argparse.Namespace) -> int:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(cluster.mongo_uri,
                                                                tz_aware=True)
    db = client["agora_notifications"]
    try:
        async with httpx.AsyncClient(base_url=cluster.gateway_urls[0], timeout=30) as api:
            visible = await fanout(api, db, args.followers)
        took = await digest(db, args.accounts)
    finally:
        await client.close()
    ok = visible < FANOUT_GOAL and took < DIGEST_GOAL
    print(f"goals: fan-out < {FANOUT_GOAL:.0f} s, digest < {DIGEST_GOAL:.0f} s: "
          f"{'met' if ok else 'MISSED'}")
    return 0 if ok else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--followers", type=int, default=10_000)
    parser.add_argument("--accounts", type=int, default=100_000)
    args = parser.parse_args()
    work = temporary_work("agora-bench-notifications-")
    smtp = processes.smtp(processes.free_port(), work / "mail-out", work / "logs").start()
    cluster = Cluster(work, extra_env={"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp.port),
                                       "DIGEST_CHECK_SECONDS": "1"})
    try:
        cluster.start()
        code = asyncio.run(run(cluster, args))
    finally:
        cluster.stop()
        smtp.stop()
    print(f"logs in {work}")
    sys.exit(code)


if __name__ == "__main__":
    main()
