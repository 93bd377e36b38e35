"""The monthly machine-translation budget of each consultation, in source characters
actually sent to the provider (cache hits cost nothing), per calendar month (UTC).

The worker asks `admit` before a batch: a consultation's jobs are admitted while their
texts' length fits what remains (an upper bound: the cache may make them cheaper), the
rest are parked until the next month (jobs.py, `over_budget`), and readers get the
original meanwhile. `charge` records what was really sent; `refresh` exports each
consultation's used share as `agora_translation_budget_used_ratio` (alerted at 80 %).
"""

from __future__ import annotations

from datetime import datetime

from agora_kit.clock import now
from agora_kit.mongo import Database, Session
from services.translation.metrics import BUDGET_USED_RATIO


def month_of(when: datetime) -> str:
    return f"{when.year:04d}-{when.month:02d}"


def next_month(when: datetime) -> datetime:
    start = when.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(
        month=start.month + 1)


class Budget:
    def __init__(self, db: Database, *, monthly_characters: int) -> None:
        """`monthly_characters` 0: no budget."""
        self._usage = db["budget_usage"]
        self.monthly = monthly_characters
        self._exported: set[str] = set()  # consultations with a gauge series

    async def used(self, consultation_ids: list[str]) -> dict[str, int]:
        month = month_of(now())
        found = self._usage.find({"_id": {"$in": [f"{c}:{month}" for c in consultation_ids]}})
        usage = {doc["consultation_id"]: int(doc["characters"]) async for doc in found}
        return {cid: usage.get(cid, 0) for cid in consultation_ids}

    async def admit(self, lengths: list[tuple[str, int]]) -> list[bool]:
        """For each (consultation, text length) in order: whether it may be sent now."""
        if not self.monthly:
            return [True] * len(lengths)
        remaining = {cid: self.monthly - used for cid, used in
                     (await self.used(list({cid for cid, _ in lengths}))).items()}
        admitted = []
        for consultation_id, length in lengths:
            fits = remaining[consultation_id] >= length
            if fits:
                remaining[consultation_id] -= length
            admitted.append(fits)
        return admitted

    async def charge(self, characters: dict[str, int], *, session: Session) -> None:
        month = month_of(now())
        for consultation_id, spent in characters.items():
            if spent:
                await self._usage.update_one(
                    {"_id": f"{consultation_id}:{month}"},
                    {"$inc": {"characters": spent},
                     "$set": {"consultation_id": consultation_id, "month": month}},
                    upsert=True, session=session)

    async def refresh_some(self, consultation_ids: list[str]) -> None:
        if not self.monthly or not consultation_ids:
            return
        for consultation_id, used in (await self.used(consultation_ids)).items():
            self._export(consultation_id, used)

    def _export(self, consultation_id: str, used: int) -> None:
        self._exported.add(consultation_id)
        BUDGET_USED_RATIO.labels(consultation_id).set(used / self.monthly)

    async def refresh(self) -> None:
        """The gauge for every consultation that spent this month (0 once the month turns)."""
        if not self.monthly:
            return
        month = month_of(now())
        seen = set()
        async for doc in self._usage.find({"month": month}):
            seen.add(doc["consultation_id"])
            self._export(doc["consultation_id"], int(doc["characters"]))
        for consultation_id in self._exported - seen:
            self._export(consultation_id, 0)
