"""Stored translations, one document per (content, target language).

A translation is kept only if it translates a revision at least as new as the one
stored, so an edit's translation is never overwritten by a late retry of the original's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from agora_kit.mongo import Database, Session
from agora_kit.types import Document


@dataclass(frozen=True)
class StoredTranslation:
    content_id: str
    consultation_id: str
    thread_id: str
    target: str
    source_language: str
    revision: int
    text: str
    provider: str


class Translations:
    def __init__(self, db: Database) -> None:
        self.translations = db["translations"]
        self.sources = db["sources"]

    async def ensure_indexes(self) -> None:
        await self.translations.create_index("content_id")

    async def save(self, item: StoredTranslation, *, session: Session) -> bool:
        """True if stored; False when a newer revision's translation is already there."""
        key = f"{item.content_id}:{item.target}"
        current = await self.translations.find_one({"_id": key}, {"revision": 1},
                                                   session=session)
        if current is not None and int(current["revision"]) > item.revision:
            return False
        await self.translations.replace_one({"_id": key}, {
            "content_id": item.content_id, "consultation_id": item.consultation_id,
            "thread_id": item.thread_id, "target": item.target,
            "source_language": item.source_language, "revision": item.revision,
            "text": item.text, "provider": item.provider, "machine": True,
            "human_verified": False, "at": datetime.now(UTC)}, upsert=True, session=session)
        return True

    async def remember_source(self, content_id: str, language: str, *,
                              session: Session) -> None:
        """The content's original language, for its later edits (which do not carry it)."""
        await self.sources.update_one({"_id": content_id}, {"$set": {"language": language}},
                                      upsert=True, session=session)

    async def source_language(self, content_id: str, *, session: Session) -> str | None:
        doc = await self.sources.find_one({"_id": content_id}, session=session)
        return str(doc["language"]) if doc else None

    async def find(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], Document]:
        ids = [f"{content_id}:{target}" for content_id, target in keys]
        found = self.translations.find({"_id": {"$in": ids}})
        return {(doc["content_id"], doc["target"]): doc async for doc in found}
