"""Durable participation levels: the gateway's daily HyperLogLogs, kept in MongoDB.

The gateway counts distinct participants cheaply in Redis (one PFADD per request) and
flushes, every minute, the registers of each (consultation, day, theme) here with the
three counts derived from them. Redis is a cache and never the only copy: after it
lost its data the gateway merges these registers back (PFMERGE) before its next
flush, so no observation is lost, and answers reads from them meanwhile. The threads
service keeps them because it owns consultations. A record is upserted by its key, so
flushing the same registers twice writes the same document. The registers are opaque
bytes here, checked only for Redis's HyperLogLog header.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Any

from bson import Binary
from pymongo import ASCENDING

from agora.v1 import threads_pb2
from agora_kit.clock import now
from agora_kit.errors import InvalidArgument
from agora_kit.ids import require_id
from agora_kit.mongo import Database
from agora_kit.types import Document

COLLECTION = "participation"
ALL_THEMES = "*"
LEVELS = ("post", "react", "read")
HLL_MAGIC = b"HYLL"
MAX_REGISTER_BYTES = 16 * 1024  # a dense Redis HyperLogLog is 12,304 bytes
MAX_RECORDS = 1000
MAX_DAYS = 366
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_day(value: str, *, field: str) -> date:
    if not _DAY.match(value):
        raise InvalidArgument(f"{field} must be a day YYYY-MM-DD", field=field)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidArgument(f"{field} is not a calendar day", field=field) from None


def _theme(value: str, *, field: str) -> str:
    return value if value == ALL_THEMES else require_id(value, field=field)


def _registers(value: bytes, *, field: str) -> bytes:
    if value and (not value.startswith(HLL_MAGIC) or len(value) > MAX_REGISTER_BYTES):
        raise InvalidArgument(f"{field} is not a Redis HyperLogLog value", field=field)
    return value


def _document(record: threads_pb2.ParticipationRecord, i: int) -> Document:
    field = f"records[{i}]"
    consultation_id = require_id(record.consultation_id, field=f"{field}.consultation_id")
    day = parse_day(record.day, field=f"{field}.day").isoformat()
    theme_id = _theme(record.theme_id, field=f"{field}.theme_id")
    counts = {"contributors": record.contributors, "reactors": record.reactors,
              "learners": record.learners}
    if min(counts.values()) < 0:
        raise InvalidArgument("counts cannot be negative", field=field)
    registers = {level: Binary(_registers(getattr(record, f"{level}_registers"),
                                          field=f"{field}.{level}_registers"))
                 for level in LEVELS}
    return {"_id": f"{consultation_id}:{day}:{theme_id}", "consultation_id": consultation_id,
            "day": day, "theme_id": theme_id, "registers": registers, **counts}


def record_message(doc: Document) -> threads_pb2.ParticipationRecord:
    registers = doc["registers"]
    return threads_pb2.ParticipationRecord(
        consultation_id=doc["consultation_id"], day=doc["day"], theme_id=doc["theme_id"],
        post_registers=bytes(registers["post"]), react_registers=bytes(registers["react"]),
        read_registers=bytes(registers["read"]), contributors=doc["contributors"],
        reactors=doc["reactors"], learners=doc["learners"])


class ParticipationStore:
    def __init__(self, db: Database) -> None:
        self._collection = db[COLLECTION]

    async def ensure_indexes(self) -> None:
        await self._collection.create_index([("day", ASCENDING), ("consultation_id", ASCENDING)])

    async def record(self, records: Sequence[threads_pb2.ParticipationRecord]) -> int:
        """Upsert each record by (consultation, day, theme); all are checked first."""
        if len(records) > MAX_RECORDS:
            raise InvalidArgument(f"at most {MAX_RECORDS} records per call", field="records")
        documents = [_document(record, i) for i, record in enumerate(records)]
        flushed_at = now()
        for document in documents:
            await self._collection.update_one(
                {"_id": document["_id"]}, {"$set": {**document, "flushed_at": flushed_at}},
                upsert=True)
        return len(documents)

    async def find(self, *, consultation_id: str, from_day: str, to_day: str,
                   theme_id: str) -> list[Document]:
        """Records of the days from_day..to_day (inclusive), oldest first."""
        first = parse_day(from_day, field="from_day")
        last = parse_day(to_day, field="to_day")
        if last < first or (last - first).days >= MAX_DAYS:
            raise InvalidArgument(f"to_day must be within {MAX_DAYS} days after from_day",
                                  field="to_day")
        query: dict[str, Any] = {"day": {"$gte": first.isoformat(), "$lte": last.isoformat()}}
        if consultation_id:
            query["consultation_id"] = require_id(consultation_id, field="consultation_id")
        if theme_id:
            query["theme_id"] = _theme(theme_id, field="theme_id")
        return await self._collection.find(query).sort("_id", ASCENDING).to_list()
