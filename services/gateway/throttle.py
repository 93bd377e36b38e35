"""Login throttling and registration limits in Redis (OWASP ASVS L2 §2.2.1).

Failed logins are counted per account (keyed by a hash of the email, so Redis holds no
address) and per client IP, in windows of one hour. After `free` failures each further
attempt must wait twice as long as the previous one (1 s, 2 s, 4 s ... capped at 15 min),
and after `per_hour` failures no attempt is accepted until the window ends. A success
clears the account's counter. Registrations are counted per IP per hour.

When Redis is unreachable the limits are not applied (logged), like the write limiter:
Redis guards, it does not decide who may log in.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import RedisError

from services.gateway.ratelimit import FixedWindowLimit

log = logging.getLogger(__name__)
WINDOW_SECONDS = 3600
MAX_DELAY_SECONDS = 900


@dataclass(frozen=True)
class Limits:
    per_hour: int
    free: int


def account_key(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]


class FailureThrottle:
    """Exponential delay after `free` failures, hard stop after `per_hour`, per subject."""

    def __init__(self, redis: Redis, *, name: str, limits: Limits) -> None:
        self._redis = redis
        self._name = name
        self._limits = limits

    def _keys(self, subject: str) -> tuple[str, str]:
        return f"throttle:{self._name}:{subject}:n", f"throttle:{self._name}:{subject}:next"

    async def retry_after(self, subject: str) -> int | None:
        """Seconds before subject may try again, or None."""
        count_key, next_key = self._keys(subject)
        try:
            count, next_at = await self._redis.mget(count_key, next_key)
            if count is not None and int(count) >= self._limits.per_hour:
                ttl = await self._redis.ttl(count_key)
                return max(int(ttl), 1)
        except RedisError as error:
            log.warning("throttle unavailable; not applied", extra={"error": repr(error)})
            return None
        if next_at is not None:
            wait = float(next_at) - time.time()
            if wait > 0:
                return math.ceil(wait)
        return None

    async def failed(self, subject: str) -> None:
        count_key, next_key = self._keys(subject)
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.incr(count_key)
                pipe.expire(count_key, WINDOW_SECONDS, nx=True)
                count, _ = await pipe.execute()
            over = int(count) - self._limits.free
            if over >= 0:
                delay = min(2**over, MAX_DELAY_SECONDS)
                await self._redis.set(next_key, str(time.time() + delay), ex=delay)
        except RedisError as error:
            log.warning("throttle unavailable; not applied", extra={"error": repr(error)})

    async def reset(self, subject: str) -> None:
        try:
            await self._redis.delete(*self._keys(subject))
        except RedisError as error:
            log.warning("throttle unavailable", extra={"error": repr(error)})


class HourlyLimit(FixedWindowLimit):
    """At most `per_hour` events per subject per fixed hour."""

    def __init__(self, redis: Redis, *, name: str, per_hour: int) -> None:
        super().__init__(redis, name=name, limit=per_hour, window_seconds=WINDOW_SECONDS)



class LoginGuard:
    """The per-account and per-IP throttles of the login route, together."""

    def __init__(self, redis: Redis, *, account: Limits, ip: Limits) -> None:
        self.account = FailureThrottle(redis, name="login-account", limits=account)
        self.ip = FailureThrottle(redis, name="login-ip", limits=ip)

    async def retry_after(self, email: str, ip: str) -> int | None:
        waits = [await self.account.retry_after(account_key(email)),
                 await self.ip.retry_after(ip)]
        known = [w for w in waits if w is not None]
        return max(known) if known else None

    async def failed(self, email: str, ip: str) -> None:
        await self.account.failed(account_key(email))
        await self.ip.failed(ip)

    async def succeeded(self, email: str) -> None:
        await self.account.reset(account_key(email))
