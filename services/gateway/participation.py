"""Participation levels: distinct contributors, reactors and learners per day and theme.

Recorded cheaply at the gateway, which sees every read and write with its account: one
Redis HyperLogLog per (consultation, day, theme or `*`, level) takes a PFADD per request
(~12 KB per key at most, ~0.8% error). The levels nest: contributors posted; reactors
reacted but did not post (count(post or react) - count(post)); learners only read
(count(any) - count(post or react)), computed with PFCOUNT over several keys, which
counts their union. Recording never fails a request: Redis unreachable is logged.

Known gap: the counts live in Redis only (40 days), not yet flushed to MongoDB.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal

from prometheus_client import Counter
from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
Level = Literal["post", "react", "read"]
RETENTION_SECONDS = 40 * 24 * 3600
ALL_THEMES = "*"
RECORDED = Counter("agora_participation_recorded_total",
                   "Participation observations recorded, by level.", ["level"])


def _key(consultation_id: str, day: date, theme_id: str, level: Level) -> str:
    return f"participation:{consultation_id}:{day.isoformat()}:{theme_id}:{level}"


@dataclass(frozen=True)
class Levels:
    contributors: int
    reactors: int
    learners: int


class Participation:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def record(self, *, consultation_id: str, theme_id: str, account_id: str,
                     level: Level) -> None:
        today = datetime.now(UTC).date()
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for theme in {theme_id, ALL_THEMES}:
                    key = _key(consultation_id, today, theme, level)
                    pipe.pfadd(key, account_id)
                    pipe.expire(key, RETENTION_SECONDS)
                await pipe.execute()
        except RedisError as error:
            log.warning("participation not recorded", extra={"error": repr(error)})
            return
        RECORDED.labels(level).inc()

    async def levels(self, *, consultation_id: str, day: date,
                     theme_id: str = ALL_THEMES) -> Levels:
        keys = {level: _key(consultation_id, day, theme_id, level)
                for level in ("post", "react", "read")}
        posted = int(await self._redis.pfcount(keys["post"]))
        engaged = int(await self._redis.pfcount(keys["post"], keys["react"]))
        seen = int(await self._redis.pfcount(keys["post"], keys["react"], keys["read"]))
        return Levels(contributors=posted, reactors=max(engaged - posted, 0),
                      learners=max(seen - engaged, 0))
