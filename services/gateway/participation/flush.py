"""Flush the participation HyperLogLogs to the threads service; export today's gauges.

Every `PARTICIPATION_FLUSH_SECONDS`, for yesterday (its last minutes) and today: read
the stored records of the day, merge their registers into Redis (PFMERGE: a union, so
after a Redis loss the old observations come back and none recorded since is lost),
then send back the registers Redis holds with their counts (upserted by key: re-flushing
the same day writes the same documents; records whose registers did not change since
they were stored are not sent at all). A Redis lock lets one gateway replica flush at
a time, so an older snapshot does not overwrite a newer one; like a lease it is an
optimisation: a late writer is corrected at the next flush, and the registers stay in
Redis until then. The gauges `agora_participants` hold today's counts as last flushed,
per consultation, theme (`*` = all) and level, on the gateway's /metrics.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta

from prometheus_client import Gauge
from redis.asyncio import Redis
from redis.exceptions import LockError

from agora.v1 import threads_pb2
from agora_kit.periodic import every
from services.gateway.clients import ServiceClients
from services.gateway.participation.record import Participation, Registers
from services.gateway.problems import Problem

log = logging.getLogger(__name__)
PARTICIPANTS = Gauge(
    "agora_participants",
    "Distinct participants today (UTC) as last flushed, by consultation, theme ('*' = all) "
    "and level (contributors, reactors, learners).",
    ["consultation", "theme", "level"],
)
LOCK = "participation-flush-lock"
BATCH = 50  # records of up to 3 x 12 KB registers: well under gRPC's 4 MB message limit
Labels = tuple[str, str, str]
Pair = tuple[str, str]  # (consultation, theme)


def _key(record: threads_pb2.ParticipationRecord) -> Pair:
    return record.consultation_id, record.theme_id


def registers_of(record: threads_pb2.ParticipationRecord) -> Registers:
    return {"post": record.post_registers, "react": record.react_registers,
            "read": record.read_registers}


class ParticipationFlusher:
    def __init__(self, participation: Participation, redis: Redis, clients: ServiceClients,
                 *, interval: float) -> None:
        self._participation = participation
        self._redis = redis
        self._clients = clients
        self._interval = interval
        self._exported: set[Labels] = set()

    async def run(self) -> None:
        await every(self._interval, self.flush, name="participation flush")

    async def flush(self, today: date | None = None) -> int | None:
        """Flush yesterday and today; returns how many records changed and were written,
        None when another replica is flushing or the threads service did not answer."""
        today = today or datetime.now(UTC).date()
        lock = self._redis.lock(LOCK, timeout=max(30.0, 3 * self._interval))
        if not await lock.acquire(blocking=False):
            return None
        try:
            written = await self._flush_day(today - timedelta(days=1))
            written += await self._flush_day(today, export=True)
            return written
        except Problem as problem:  # an unavailable service: retried at the next tick
            log.warning("participation not flushed", extra={"detail": problem.detail})
            return None
        finally:
            try:
                await lock.release()
            except LockError:  # expired during a slow flush; nothing to release
                log.warning("participation flush outlived its lock")

    async def _flush_day(self, day: date, *, export: bool = False) -> int:
        stored, records = await self._collect(day)
        changed = [r for r in records if _key(r) not in stored
                   or registers_of(stored[_key(r)]) != registers_of(r)]
        await self._send(changed)
        if export:
            self._export(records)
        return len(changed)

    async def _collect(self, day: date) -> tuple[dict[Pair, threads_pb2.ParticipationRecord],
                                                 list[threads_pb2.ParticipationRecord]]:
        """The stored records of day (by key), and the records as Redis has them after
        the stored registers were merged in."""
        stored = await self._clients.call(
            "threads", self._clients.threads.ListParticipation,
            threads_pb2.ListParticipationRequest(from_day=day.isoformat(),
                                                 to_day=day.isoformat()))
        for record in stored.records:
            await self._participation.restore(consultation_id=record.consultation_id, day=day,
                                              theme_id=record.theme_id,
                                              registers=registers_of(record))
        pairs = await self._participation.seen(day)
        pairs |= {(r.consultation_id, r.theme_id) for r in stored.records}
        records = []
        for consultation_id, theme_id in sorted(pairs):
            registers = await self._participation.snapshot(
                consultation_id=consultation_id, day=day, theme_id=theme_id)
            levels = await self._participation.levels(
                consultation_id=consultation_id, day=day, theme_id=theme_id)
            records.append(threads_pb2.ParticipationRecord(
                consultation_id=consultation_id, day=day.isoformat(), theme_id=theme_id,
                post_registers=registers["post"], react_registers=registers["react"],
                read_registers=registers["read"], contributors=levels.contributors,
                reactors=levels.reactors, learners=levels.learners))
        return {_key(r): r for r in stored.records}, records

    async def _send(self, records: Sequence[threads_pb2.ParticipationRecord]) -> None:
        for start in range(0, len(records), BATCH):
            await self._clients.call(
                "threads", self._clients.threads.RecordParticipation,
                threads_pb2.RecordParticipationRequest(records=records[start:start + BATCH]))

    def _export(self, records: Iterable[threads_pb2.ParticipationRecord]) -> None:
        """Today's gauges; label sets of another day or consultation are dropped."""
        exported: set[Labels] = set()
        for record in records:
            for level, value in (("contributors", record.contributors),
                                 ("reactors", record.reactors),
                                 ("learners", record.learners)):
                labels = (record.consultation_id, record.theme_id, level)
                PARTICIPANTS.labels(*labels).set(value)
                exported.add(labels)
        for stale in self._exported - exported:
            PARTICIPANTS.remove(*stale)
        self._exported = exported
