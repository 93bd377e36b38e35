"""Machine translations of segments, kept once per (content hash, source, target,
provider, glossary version): an identical text is translated once per consultation and
deployment, whoever writes it again."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from pymongo import UpdateOne

from agora_kit.mongo import Database


def cache_key(segment: str, *, source: str, target: str, provider: str,
              glossary_version: str) -> str:
    content = hashlib.sha256(segment.encode()).hexdigest()
    return f"{content}:{source}:{target}:{provider}:{glossary_version}"


class SegmentCache:
    def __init__(self, db: Database) -> None:
        self._segments = db["machine_segments"]

    async def get(self, keys: list[str]) -> dict[str, str]:
        if not keys:
            return {}
        found = self._segments.find({"_id": {"$in": keys}}, {"translation": 1})
        return {str(doc["_id"]): str(doc["translation"]) async for doc in found}

    async def put(self, translations: dict[str, str]) -> None:
        """Idempotent: a key already present keeps its first translation."""
        if not translations:
            return
        now = datetime.now(UTC)
        await self._segments.bulk_write(
            [UpdateOne({"_id": key}, {"$setOnInsert": {"translation": text, "at": now}},
                       upsert=True) for key, text in translations.items()],
            ordered=False)
