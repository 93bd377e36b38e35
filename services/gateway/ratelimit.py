"""Per-account write rate limits in Redis (fixed one-minute windows).

Redis is a guard here, not a record: when it is unreachable the limit is not applied
(logged), rather than refusing every write.
"""

from __future__ import annotations

import logging
import time

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
WINDOW_SECONDS = 60


class FixedWindowLimit:
    """At most `limit` events per subject in each fixed window (Redis INCR + EXPIRE)."""

    def __init__(self, redis: Redis, *, name: str, limit: int, window_seconds: int) -> None:
        self._redis = redis
        self._name = name
        self._limit = limit
        self._window = window_seconds

    async def retry_after(self, subject: str) -> int | None:
        """Count one event; seconds to wait when over the limit, else None."""
        window = int(time.time()) // self._window
        key = f"limit:{self._name}:{subject}:{window}"
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.incr(key)
                pipe.expire(key, self._window * 2)
                count, _ = await pipe.execute()
        except RedisError as error:
            log.warning("rate limit unavailable; not applied",
                        extra={"limit": self._name, "error": repr(error)})
            return None
        if int(count) <= self._limit:
            return None
        return self._window - int(time.time()) % self._window


class WriteRateLimiter(FixedWindowLimit):
    """Writes per account per minute."""

    def __init__(self, redis: Redis, *, per_minute: int) -> None:
        super().__init__(redis, name="write", limit=per_minute, window_seconds=WINDOW_SECONDS)
