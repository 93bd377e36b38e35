"""One submission at a time per ballot within a process, with a short queue.

Two submissions of the same voter's ballot always conflict in MongoDB: one commits, the
other retries. Under a burst (a voter's many tabs, a retrying client, an attack) that
turns into a storm of doomed transactions on the same document, and every voter's
latency suffers. Taking turns per ballot in the process removes the storm; a full queue
answers at once with a conflict (409, retry) instead of a timeout. Correctness never
depends on this: across replicas, the transaction's optimistic check on `version`
still decides.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from agora_kit.errors import Conflict


class KeyedTurns:
    def __init__(self, *, max_waiting: int) -> None:
        self._max_waiting = max_waiting
        self._waiting: dict[str, int] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    @asynccontextmanager
    async def turn(self, key: str) -> AsyncIterator[None]:
        """Hold key's turn; Conflict at once when max_waiting callers already queue for it."""
        waiting = self._waiting.get(key, 0)
        if waiting >= self._max_waiting:
            raise Conflict("another submission of this ballot is in progress; retry")
        self._waiting[key] = waiting + 1
        lock = self._locks.setdefault(key, asyncio.Lock())
        try:
            async with lock:
                yield
        finally:
            self._waiting[key] -= 1
            if self._waiting[key] == 0:
                del self._waiting[key]
                del self._locks[key]
