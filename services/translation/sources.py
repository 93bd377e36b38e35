"""What the translation service knows of each content it translates: its consultation,
author, language, current revision and text.

Recorded from the content events (posts.py) so that corrections, glossary versions and a
corrected language can be checked and re-driven here, without asking the content's owner.
Edits do not carry the language, so the original's is kept; an author's correction of it
(`corrected`) is never overwritten by a later event.
"""

from __future__ import annotations

from dataclasses import dataclass

from pymongo import ReplaceOne, UpdateOne

from agora_kit.mongo import Database, Session
from agora_kit.types import Document

Write = ReplaceOne[Document] | UpdateOne


@dataclass(frozen=True)
class Source:
    content_id: str
    consultation_id: str
    thread_id: str
    author_id: str
    language: str
    revision: int
    body: str
    corrected: bool = False

    @classmethod
    def of(cls, doc: Document) -> Source:
        return cls(content_id=str(doc["_id"]), consultation_id=doc.get("consultation_id", ""),
                   thread_id=doc.get("thread_id", ""), author_id=doc.get("author_id", ""),
                   language=doc.get("language", ""), revision=int(doc.get("revision", 0)),
                   body=doc.get("body", ""), corrected=bool(doc.get("corrected", False)))


class Sources:
    def __init__(self, db: Database) -> None:
        self.sources = db["sources"]

    async def ensure_indexes(self) -> None:
        await self.sources.create_index("consultation_id")

    async def get(self, content_id: str, *, session: Session | None = None) -> Source | None:
        doc = await self.sources.find_one({"_id": content_id}, session=session)
        return Source.of(doc) if doc else None

    async def get_many(self, content_ids: list[str], *, session: Session | None = None
                       ) -> dict[str, Source]:
        found = self.sources.find({"_id": {"$in": content_ids}}, session=session)
        return {str(doc["_id"]): Source.of(doc) async for doc in found}

    async def record(self, source: Source, *, current: Source | None,
                     session: Session) -> Source:
        """The content as of `source` (its revision, text and language), unless a newer
        revision is already recorded; a corrected language stays. Returns what is kept."""
        kept, write = merged(source, current)
        if write is not None:
            await self.sources.bulk_write([write], session=session)
        return kept

    async def write(self, writes: list[Write], *, session: Session) -> None:
        """The writes of `merged`, in one round trip."""
        if writes:
            await self.sources.bulk_write(writes, ordered=True, session=session)

    async def correct_language(self, source: Source, language: str, *,
                               session: Session) -> Source:
        corrected = Source(**{**source.__dict__, "language": language, "corrected": True})
        await self.sources.replace_one({"_id": source.content_id}, _doc(corrected),
                                       upsert=True, session=session)
        return corrected

    async def revisions(self, content_ids: list[str]) -> dict[str, int]:
        found = self.sources.find({"_id": {"$in": content_ids}}, {"revision": 1})
        return {str(doc["_id"]): int(doc.get("revision", 0)) async for doc in found}

    async def of_consultation(self, consultation_id: str, *, session: Session
                              ) -> list[Source]:
        found = self.sources.find({"consultation_id": consultation_id}, session=session)
        return [Source.of(doc) async for doc in found]


def merged(source: Source, current: Source | None) -> tuple[Source, Write | None]:
    """What to keep of `source` given what is recorded, and the write that records it
    (None: nothing changes)."""
    if current is not None and current.revision > source.revision:
        if source.author_id and not current.author_id:  # the creation came after an edit
            return (Source(**{**current.__dict__, "author_id": source.author_id}),
                    UpdateOne({"_id": current.content_id},
                              {"$set": {"author_id": source.author_id}}))
        return current, None
    kept = source
    if current is not None:
        kept = Source(
            content_id=source.content_id,
            consultation_id=source.consultation_id or current.consultation_id,
            thread_id=source.thread_id or current.thread_id,
            author_id=source.author_id or current.author_id,
            language=current.language if current.corrected else source.language,
            revision=source.revision, body=source.body, corrected=current.corrected)
    return kept, ReplaceOne({"_id": kept.content_id}, _doc(kept), upsert=True)


def _doc(source: Source) -> Document:
    return {"consultation_id": source.consultation_id, "thread_id": source.thread_id,
            "author_id": source.author_id, "language": source.language,
            "revision": source.revision, "body": source.body, "corrected": source.corrected}
