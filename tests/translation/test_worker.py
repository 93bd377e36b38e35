"""The worker: jobs of many posts share provider calls; failures wait and recover."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from nats.aio.client import Client as NatsClient
from pymongo import AsyncMongoClient

from agora_kit.events.outbox import Outbox
from agora_kit.mongo import Database
from agora_kit.runtime import Dependencies
from services.translation.cache import SegmentCache
from services.translation.config import TranslationSettings
from services.translation.glossaries import Glossaries
from services.translation.jobs import Job, Jobs
from services.translation.pipeline import Pipeline
from services.translation.providers.base import Limits
from services.translation.providers.libretranslate import LibreTranslate
from services.translation.providers.resilience import Guarded
from services.translation.store import Translations
from services.translation.worker import Worker
from tests.translation.fake_provider import FakeProvider

Mongo = AsyncMongoClient[dict[str, object]]


@pytest.fixture
def worker(fake: FakeProvider, db: Database, mongo: Mongo, nc: NatsClient) -> Worker:
    provider = Guarded(LibreTranslate(fake.url, api_key=None, limits=Limits(50, 5000),
                                      timeout=2.0),
                       attempts=1, max_wait=1.0, threshold=100, reset_seconds=1.0)
    deps = Dependencies(settings=TranslationSettings(), mongo=mongo,
                        db=db, nats=nc, js=nc.jetstream(), outbox=Outbox(db))
    return Worker(pipeline=Pipeline(provider, SegmentCache(db)), jobs=Jobs(db),
                  store=Translations(db), glossaries=Glossaries(db), deps=deps)


async def add(db: Database, mongo: Mongo, *jobs: Job) -> None:
    async with mongo.start_session() as session:
        for job in jobs:
            await Jobs(db).add(job, session=session)


def job(n: int, target: str = "en", revision: int = 0) -> Job:
    return Job(content_id=f"p{n}", consultation_id="c1", thread_id="t1", target=target,
               source="fr", revision=revision, body=f"Message numéro {n}.")


async def test_many_posts_share_one_call_and_are_announced(
        worker: Worker, fake: FakeProvider, db: Database, mongo: Mongo) -> None:
    await add(db, mongo, *(job(n) for n in range(20)), job(0, "de"))
    assert await worker.run_once() == 21
    assert fake.calls("/translate") == 2  # one per language pair
    stored = await db["translations"].find_one({"_id": "p7:en"})
    assert stored is not None
    assert stored["text"] == "[en] MESSAGE NUMÉRO 7."
    assert await db["jobs"].count_documents({}) == 0
    assert await db["outbox"].count_documents({"type": "translation.ready"}) == 21


async def test_a_failing_provider_leaves_the_jobs_for_later(
        worker: Worker, fake: FakeProvider, db: Database, mongo: Mongo) -> None:
    await add(db, mongo, job(1))
    fake.fail_always(503, {"error": "down"})
    assert await worker.run_once() == 1
    pending = await db["jobs"].find_one({"_id": "p1:en"})
    assert pending is not None
    assert pending["attempts"] == 1
    assert pending["due"] > datetime.now(UTC)
    assert await worker.run_once() == 0  # not due yet: the provider is left alone
    assert await db["translations"].count_documents({}) == 0
    fake.heal()
    await db["jobs"].update_one({"_id": "p1:en"}, {"$set": {"due": datetime.now(UTC)}})
    assert await worker.run_once() == 1
    assert await db["translations"].count_documents({}) == 1


async def test_an_unsupported_language_is_given_up(
        worker: Worker, fake: FakeProvider, db: Database, mongo: Mongo) -> None:
    await add(db, mongo, job(1, target="xx"))
    assert await worker.run_once() == 1
    assert await db["jobs"].count_documents({}) == 0
    assert await db["translations"].count_documents({}) == 0
    assert await db["outbox"].count_documents({}) == 0


async def test_a_newer_revision_wins(
        worker: Worker, db: Database, mongo: Mongo) -> None:
    await add(db, mongo, job(1, revision=2))
    await add(db, mongo, job(1, revision=1))  # a late redelivery of an older edit
    assert await worker.run_once() == 1
    stored = await db["translations"].find_one({"_id": "p1:en"})
    assert stored is not None
    assert stored["revision"] == 2


