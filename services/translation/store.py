"""Stored translations, one document per (content, target language): the machine's and
a person's, side by side.

A machine translation is kept only if it translates a revision at least as new as the
one stored, so an edit's translation is never overwritten by a late retry of the
original's; it never touches the person's translation (`human`), which a re-run of the
same job therefore cannot overwrite. Which of the two is served is decided at read time
(`served`): the person's while it translates the current revision, else the machine's,
with `needs_review` set.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from pymongo import UpdateOne

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


@dataclass(frozen=True)
class Served:
    """What a reader gets for one (content, target)."""

    found: bool
    text: str = ""
    source_language: str = ""
    revision: int = 0
    machine: bool = False
    human_verified: bool = False
    provider: str = ""
    needs_review: bool = False


def _key(content_id: str, target: str) -> str:
    return f"{content_id}:{target}"


def served(doc: Document | None, current_revision: int | None) -> Served:
    """The person's translation if it translates the current text, else the machine's.

    A person's translation of an older revision is never served as current: it is kept
    (a reviewer may re-submit it) and flagged, and the machine translation of the new text
    is served meanwhile, or the original while there is none.
    """
    if doc is None:
        return Served(found=False)
    human = doc.get("human")
    machine_revision = int(doc["revision"]) if "text" in doc else -1
    current = current_revision if current_revision is not None else max(
        machine_revision, int(human["revision"]) if human else -1)
    if human is not None and int(human["revision"]) >= current:
        return Served(found=True, text=human["text"], source_language=human["source_language"],
                      revision=int(human["revision"]), human_verified=True)
    stale = human is not None
    if "text" not in doc:
        return Served(found=False, needs_review=stale)
    return Served(found=True, text=doc["text"], source_language=doc["source_language"],
                  revision=machine_revision, machine=True, provider=doc["provider"],
                  needs_review=stale)


class Translations:
    def __init__(self, db: Database) -> None:
        self.translations = db["translations"]

    async def ensure_indexes(self) -> None:
        await self.translations.create_index("content_id")

    async def save_many(self, items: list[StoredTranslation], *, session: Session
                        ) -> list[StoredTranslation]:
        """Those stored, in two round trips (one read, one bulk write): not those whose
        stored translation is of a newer revision."""
        if not items:
            return []
        keys = [_key(item.content_id, item.target) for item in items]
        newer = {doc["_id"]: int(doc.get("revision", -1)) async for doc in
                 self.translations.find({"_id": {"$in": keys}}, {"revision": 1},
                                        session=session)}
        stored = [item for item, key in zip(items, keys, strict=True)
                  if newer.get(key, -1) <= item.revision]
        if stored:
            at = datetime.now(UTC)
            await self.translations.bulk_write([UpdateOne(
                {"_id": _key(item.content_id, item.target)}, {"$set": {
                    "content_id": item.content_id, "consultation_id": item.consultation_id,
                    "thread_id": item.thread_id, "target": item.target,
                    "source_language": item.source_language, "revision": item.revision,
                    "text": item.text, "provider": item.provider, "at": at}}, upsert=True)
                for item in stored], ordered=False, session=session)
        return stored

    async def save_human(self, *, content_id: str, consultation_id: str, thread_id: str,
                         target: str, source_language: str, revision: int, text: str,
                         by: str, session: Session) -> None:
        """A person's translation of `revision`; replaces an earlier person's one."""
        await self.translations.update_one({"_id": _key(content_id, target)}, {"$set": {
            "content_id": content_id, "consultation_id": consultation_id,
            "thread_id": thread_id, "target": target,
            "human": {"text": text, "revision": revision, "source_language": source_language,
                      "by": by, "at": datetime.now(UTC)}}}, upsert=True, session=session)

    async def forget(self, content_id: str, target: str, *, session: Session) -> None:
        """No translation into the content's own language (its language was corrected)."""
        await self.translations.delete_one({"_id": _key(content_id, target)},
                                           session=session)

    async def find(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], Document]:
        ids = [_key(content_id, target) for content_id, target in keys]
        found = self.translations.find({"_id": {"$in": ids}})
        return {(doc["content_id"], doc["target"]): doc async for doc in found}
