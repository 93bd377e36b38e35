"""Per-consultation glossaries: each publication an immutable numbered version.

`glossary_versions` keeps every version (`{consultation}:{n}`, never rewritten: a
concurrent publication of the same number fails on the key and is a conflict);
`glossaries` holds each consultation's current one, which the worker reads for every
batch. A version is applied per language pair (`for_pair`): its do-not-translate terms
and the fixed translations of that pair.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from pymongo.errors import DuplicateKeyError

from agora_kit.clock import now
from agora_kit.errors import Conflict
from agora_kit.mongo import Database, Session
from agora_kit.types import Document
from services.translation.providers.base import NO_GLOSSARY, Glossary


@dataclass(frozen=True)
class Term:
    term: str
    source_language: str
    target_language: str
    translation: str


@dataclass(frozen=True)
class Version:
    consultation_id: str
    number: int = 0
    keep: tuple[str, ...] = ()
    fixed: tuple[Term, ...] = ()
    published_at: datetime | None = None
    published_by: str = ""
    _pairs: dict[tuple[str, str], Glossary] = field(default_factory=dict, compare=False,
                                                    repr=False)

    def for_pair(self, source: str, target: str) -> Glossary:
        """What a provider applies translating source -> target under this version."""
        if self.number == 0:
            return NO_GLOSSARY
        if (source, target) not in self._pairs:
            self._pairs[(source, target)] = Glossary(
                version=f"{self.consultation_id}:{self.number}", keep=frozenset(self.keep),
                fixed={t.term: t.translation for t in self.fixed
                       if (t.source_language, t.target_language) == (source, target)})
        return self._pairs[(source, target)]

    @classmethod
    def of(cls, doc: Document) -> Version:
        return cls(consultation_id=doc["consultation_id"], number=int(doc["number"]),
                   keep=tuple(doc["keep"]), fixed=tuple(Term(**t) for t in doc["fixed"]),
                   published_at=doc["published_at"], published_by=doc["published_by"])


def _doc(version: Version) -> Document:
    return {"consultation_id": version.consultation_id, "number": version.number,
            "keep": list(version.keep), "fixed": [t.__dict__ for t in version.fixed],
            "published_at": version.published_at, "published_by": version.published_by}


class Glossaries:
    def __init__(self, db: Database) -> None:
        self.versions = db["glossary_versions"]
        self.current_versions = db["glossaries"]

    async def current(self, consultation_id: str, *, session: Session | None = None
                      ) -> Version:
        doc = await self.current_versions.find_one({"_id": consultation_id}, session=session)
        return Version.of(doc) if doc else Version(consultation_id)

    async def current_of(self, consultation_ids: list[str]) -> dict[str, Version]:
        """Each consultation's current version (version 0 for those without one)."""
        found = {doc["_id"]: Version.of(doc) async for doc in self.current_versions.find(
            {"_id": {"$in": consultation_ids}})}
        return {cid: found.get(cid) or Version(cid) for cid in consultation_ids}

    async def publish(self, consultation_id: str, *, keep: list[str], fixed: list[Term],
                      by: str, session: Session) -> tuple[Version, Version]:
        """The previous version and the new one."""
        previous = await self.current(consultation_id, session=session)
        new = Version(consultation_id, previous.number + 1, tuple(keep), tuple(fixed),
                      published_at=now(), published_by=by)
        try:
            await self.versions.insert_one(
                {"_id": f"{consultation_id}:{new.number}", **_doc(new)}, session=session)
        except DuplicateKeyError:
            raise Conflict("another glossary version was published at the same time; "
                           "read it and publish again") from None
        await self.current_versions.replace_one({"_id": consultation_id}, _doc(new),
                                                upsert=True, session=session)
        return previous, new
