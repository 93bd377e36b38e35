"""Why a page of a 10,000-post thread is slow on SecantusDB: time the page query shapes
directly with the driver (no gateway, no service) on 10,000 documents.

    .venv/bin/python -m loadtests.probe_range_scans
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, AsyncMongoClient

from devstack import processes


async def timed(name: str, query: Callable[[], Awaitable[Any]]) -> None:
    started = time.perf_counter()
    await query()
    print(f"| {name} | {(time.perf_counter() - started) * 1000:.0f} |", flush=True)


async def main() -> None:
    child = processes.secantus(processes.free_port(), ":memory:",
                               Path(tempfile.mkdtemp(prefix="agora-probe-"))).start()
    child.wait_port(60)
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        f"mongodb://127.0.0.1:{child.port}/?directConnection=true")
    try:
        posts = client["probe"]["posts"]
        await posts.create_index([("thread_id", ASCENDING), ("_id", ASCENDING)])
        await posts.create_index([("thread_id", ASCENDING), ("pinned", ASCENDING)])
        docs = [{"_id": str(ObjectId()), "thread_id": "T", "status": "visible",
                 "pinned": False, "body": "x" * 60} for _ in range(10_000)]
        await posts.insert_many(docs)
        middle = docs[5_000]["_id"]
        page = {"thread_id": "T", "_id": {"$gt": middle}}
        print("| query on 10,000 posts | ms |\n|---|---|")
        await timed("page: {thread_id, _id > c}, sort _id, limit 21",
                    lambda: posts.find(page).sort("_id", 1).limit(21).to_list())
        await timed("same with status $ne pending",
                    lambda: posts.find({**page, "status": {"$ne": "pending"}})
                    .sort("_id", 1).limit(21).to_list())
        await timed("_id > c only, sort _id, limit 21",
                    lambda: posts.find({"_id": {"$gt": middle}}).sort("_id", 1).limit(21)
                    .to_list())
        await timed("count_documents {thread_id}",
                    lambda: posts.count_documents({"thread_id": "T"}))
        await timed("equality on an index {thread_id, pinned: true}",
                    lambda: posts.find({"thread_id": "T", "pinned": True}).to_list())
        await timed("21 point lookups {_id $in [...]}",
                    lambda: posts.find({"_id": {"$in": [d["_id"] for d in docs[:21]]}})
                    .to_list())
    finally:
        await client.close()
        child.stop()


if __name__ == "__main__":
    asyncio.run(main())
