"""The record of each content: newest revision wins, an author's language stays, and a
creation delivered after an edit still names the author."""

from __future__ import annotations

from pymongo import AsyncMongoClient

from agora_kit.mongo import Database
from services.translation.sources import Source, Sources

Mongo = AsyncMongoClient[dict[str, object]]


def source(revision: int, *, author: str = "", language: str = "fr") -> Source:
    return Source(content_id="p1", consultation_id="c1", thread_id="t1", author_id=author,
                  language=language, revision=revision, body=f"version {revision}")


async def test_newest_revision_wins_and_a_late_creation_names_the_author(
        db: Database, mongo: Mongo) -> None:
    sources = Sources(db)
    async with mongo.start_session() as session:
        await sources.record(source(1), current=None, session=session)
        current = await sources.get("p1", session=session)
        kept = await sources.record(source(0, author="alice"), current=current,
                                    session=session)
    assert (kept.revision, kept.body, kept.author_id) == (1, "version 1", "alice")
    assert await sources.get("p1") == kept


async def test_a_corrected_language_survives_later_revisions(db: Database, mongo: Mongo) -> None:
    sources = Sources(db)
    async with mongo.start_session() as session:
        first = await sources.record(source(0, author="alice"), current=None, session=session)
        await sources.correct_language(first, "en", session=session)
        kept = await sources.record(source(1, language="fr"),
                                    current=await sources.get("p1"), session=session)
    assert (kept.language, kept.corrected, kept.author_id, kept.revision) == (
        "en", True, "alice", 1)
