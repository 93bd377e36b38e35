"""Participation levels: distinct contributors, reactors and learners per day and theme.

Recorded cheaply at the gateway, which sees every read and write with its account: one
Redis HyperLogLog per (consultation, day, theme or `*`, level) takes a PFADD per request
(~12 KB per key at most, ~0.8% error), and a per-day index set names the (consultation,
theme) pairs seen, so the flusher need not scan the keyspace. The levels nest:
contributors posted; reactors reacted or voted but did not post (count(post or react) -
count(post)); learners only read (count(any) - count(post or react)), computed with
PFCOUNT over several keys, which counts their union. Recording never fails a request:
Redis unreachable is logged. A reader reads many pages a day: an observation this
process made within the last `recheck_seconds` (the flush interval) is not sent again,
since adding it again changes no register; after that it is sent once more, so a
register Redis lost before its flush is refilled as before.

Redis is a cache, never the only copy: `participation/flush.py` copies the registers (a
HyperLogLog is a string value) to the threads service's MongoDB every
`PARTICIPATION_FLUSH_SECONDS`, and merges the stored registers back into Redis first
(PFMERGE), so after Redis lost its data no observation is lost. Reads count the union
of Redis and the stored registers, so they are whole even before that merge.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal

from prometheus_client import Counter
from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
Level = Literal["post", "react", "read"]
LEVELS: tuple[Level, ...] = ("post", "react", "read")
Registers = dict[Level, bytes]  # a level's HyperLogLog value; b"" when nobody was seen
RETENTION_SECONDS = 40 * 24 * 3600
SCRATCH_MILLISECONDS = 10_000
ALL_THEMES = "*"
RECORDED = Counter("agora_participation_recorded_total",
                   "Participation observations recorded, by level.", ["level"])


def _key(consultation_id: str, day: date, theme_id: str, level: Level) -> str:
    return f"participation:{consultation_id}:{day.isoformat()}:{theme_id}:{level}"


def _index(day: date) -> str:
    return f"participation-index:{day.isoformat()}"


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _bytes(value: bytes | str | None) -> bytes:
    return value.encode() if isinstance(value, str) else value or b""


@dataclass(frozen=True)
class Levels:
    contributors: int
    reactors: int
    learners: int


class Participation:
    def __init__(self, redis: Redis, *, recheck_seconds: float = 60.0) -> None:
        self._redis = redis
        self._recheck_seconds = recheck_seconds
        self._sent: set[tuple[str, str, str, str, Level]] = set()
        self._sent_since = time.monotonic()

    async def record(self, *, consultation_id: str, theme_id: str, account_id: str,
                     level: Level) -> None:
        today = datetime.now(UTC).date()
        observation = (today.isoformat(), consultation_id, theme_id, account_id, level)
        if time.monotonic() - self._sent_since > self._recheck_seconds:
            self._sent.clear()
            self._sent_since = time.monotonic()
        if observation in self._sent:
            return
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for theme in {theme_id, ALL_THEMES}:
                    key = _key(consultation_id, today, theme, level)
                    pipe.pfadd(key, account_id)
                    pipe.expire(key, RETENTION_SECONDS)
                    pipe.sadd(_index(today), f"{consultation_id}|{theme}")
                pipe.expire(_index(today), RETENTION_SECONDS)
                await pipe.execute()
        except RedisError as error:
            log.warning("participation not recorded", extra={"error": repr(error)})
            return
        self._sent.add(observation)
        RECORDED.labels(level).inc()

    async def levels(self, *, consultation_id: str, day: date, theme_id: str = ALL_THEMES,
                     stored: Registers | None = None) -> Levels:
        """Counts of the union of what Redis holds and the stored registers, if any."""
        scratch = f"participation-scratch:{uuid.uuid4().hex}"
        sources: dict[Level, list[str]] = {}
        async with self._redis.pipeline(transaction=False) as pipe:
            for level in LEVELS:
                sources[level] = [_key(consultation_id, day, theme_id, level)]
                if stored and stored.get(level):
                    sources[level].append(f"{scratch}:{level}")
                    pipe.set(f"{scratch}:{level}", stored[level], px=SCRATCH_MILLISECONDS)
            pipe.pfcount(*sources["post"])
            pipe.pfcount(*sources["post"], *sources["react"])
            pipe.pfcount(*sources["post"], *sources["react"], *sources["read"])
            pipe.delete(*(f"{scratch}:{level}" for level in LEVELS))
            results = await pipe.execute()
        posted, engaged, seen = (int(n) for n in results[-4:-1])
        return Levels(contributors=posted, reactors=max(engaged - posted, 0),
                      learners=max(seen - engaged, 0))

    async def seen(self, day: date) -> set[tuple[str, str]]:
        """The (consultation, theme) pairs recorded on day (from the day's index)."""
        members = await self._redis.smembers(_index(day))
        pairs = (_text(m).partition("|") for m in members)
        return {(consultation, theme) for consultation, _, theme in pairs}

    async def snapshot(self, *, consultation_id: str, day: date, theme_id: str) -> Registers:
        """The registers Redis holds now, per level (b"" for a missing key).

        A single-key PFCOUNT first stores the cardinality cached in the value's header,
        so the same registers always read back as the same bytes."""
        keys = [_key(consultation_id, day, theme_id, level) for level in LEVELS]
        async with self._redis.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.pfcount(key)
            pipe.mget(keys)
            *_, values = await pipe.execute()
        return {level: _bytes(value) for level, value in zip(LEVELS, values, strict=True)}

    async def restore(self, *, consultation_id: str, day: date, theme_id: str,
                      registers: Registers) -> None:
        """Merge stored registers into Redis (a union: observations already there stay);
        levels whose Redis value already equals them are left alone."""
        current = await self.snapshot(consultation_id=consultation_id, day=day,
                                      theme_id=theme_id)
        scratch = f"participation-scratch:{uuid.uuid4().hex}"
        async with self._redis.pipeline(transaction=False) as pipe:
            for level in LEVELS:
                if not registers.get(level) or registers[level] == current[level]:
                    continue
                key = _key(consultation_id, day, theme_id, level)
                pipe.set(scratch, registers[level], px=SCRATCH_MILLISECONDS)
                pipe.pfmerge(key, scratch)
                pipe.expire(key, RETENTION_SECONDS)
            pipe.delete(scratch)
            pipe.sadd(_index(day), f"{consultation_id}|{theme_id}")
            pipe.expire(_index(day), RETENTION_SECONDS)
            await pipe.execute()
