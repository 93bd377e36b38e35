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


class WriteRateLimiter:
    def __init__(self, redis: Redis, *, per_minute: int) -> None:
        self._redis = redis
        self._limit = per_minute

    async def retry_after(self, account_id: str) -> int | None:
        """Seconds to wait if the account is over its limit, else None (and count this write)."""
        window = int(time.time()) // WINDOW_SECONDS
        key = f"ratelimit:write:{account_id}:{window}"
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.incr(key)
                pipe.expire(key, WINDOW_SECONDS * 2)
                count, _ = await pipe.execute()
        except RedisError as error:
            log.warning("rate limiter unavailable; not applied", extra={"error": repr(error)})
            return None
        if int(count) <= self._limit:
            return None
        return WINDOW_SECONDS - int(time.time()) % WINDOW_SECONDS
