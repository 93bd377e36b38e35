"""Background jobs that run every few seconds, in one replica at a time.

A job (announce phase changes, flush counters) runs under a `Lease`, so replicas do not
all repeat it; the lease is an optimisation, never the correctness guarantee, so every
job must be idempotent. A failing pass is logged and retried at the next tick: a
scheduler that dies on one bad document would silently stop for good.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from agora_kit.lease import Lease
from agora_kit.mongo import Database

log = logging.getLogger(__name__)


def lease_for(db: Database, name: str, interval: float) -> Lease:
    """A lease that outlives a few ticks, so the holder keeps it between passes."""
    return Lease(db, name, ttl_seconds=max(10.0, 3 * interval))


async def every(interval: float, job: Callable[[], Awaitable[object]], *, name: str,
                lease: Lease | None = None) -> None:
    """Run job every interval seconds until cancelled (only while holding lease, if any)."""
    while True:
        try:
            if lease is None or await lease.acquire():
                await job()
        except Exception:
            log.exception("periodic job failed", extra={"job": name})
        await asyncio.sleep(interval)
