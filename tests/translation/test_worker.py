"""The worker: jobs of many posts share provider calls; failures wait and recover."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from nats.aio.client import Client as NatsClient
from prometheus_client import REGISTRY
from pymongo import AsyncMongoClient

from agora_kit.events.outbox import Outbox
from agora_kit.mongo import Database
from agora_kit.runtime import Dependencies
from services.translation.budget import Budget, month_of, next_month
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
BUDGET = 100  # characters per consultation and month


def make_worker(fake: FakeProvider, db: Database, mongo: Mongo, nc: NatsClient, *,
                budget: int = 0) -> Worker:
    provider = Guarded(LibreTranslate(fake.url, api_key=None, limits=Limits(50, 5000),
                                      timeout=2.0),
                       attempts=1, max_wait=1.0, threshold=100, reset_seconds=1.0)
    deps = Dependencies(settings=TranslationSettings(), mongo=mongo,
                        db=db, nats=nc, js=nc.jetstream(), outbox=Outbox(db))
    return Worker(pipeline=Pipeline(provider, SegmentCache(db)), jobs=Jobs(db),
                  store=Translations(db), glossaries=Glossaries(db),
                  budget=Budget(db, monthly_characters=budget), deps=deps)


@pytest.fixture
def worker(fake: FakeProvider, db: Database, mongo: Mongo, nc: NatsClient) -> Worker:
    return make_worker(fake, db, mongo, nc)


@pytest.fixture
def tight(fake: FakeProvider, db: Database, mongo: Mongo, nc: NatsClient) -> Worker:
    """A worker whose consultations may each send 100 characters a month."""
    return make_worker(fake, db, mongo, nc, budget=BUDGET)


def sample(name: str, **labels: str) -> float:
    value = REGISTRY.get_sample_value(name, labels)
    assert value is not None, name
    return value


async def add(db: Database, mongo: Mongo, *jobs: Job) -> None:
    async with mongo.start_session() as session:
        for job in jobs:
            await Jobs(db).put(job, session=session)


def job(n: int, *targets: str, revision: int = 0) -> Job:
    return Job(content_id=f"p{n}", consultation_id="c1", thread_id="t1",
               targets=targets or ("en",), source="fr", revision=revision,
               body=f"Message numéro {n}.")


async def test_many_posts_share_one_call_and_are_announced(
        worker: Worker, fake: FakeProvider, db: Database, mongo: Mongo) -> None:
    await add(db, mongo, job(0, "en", "de"), *(job(n) for n in range(1, 20)))
    assert await worker.run_once() == 21
    assert fake.calls("/translate") == 2  # one per language pair
    stored = await db["translations"].find_one({"_id": "p7:en"})
    assert stored is not None
    assert stored["text"] == "[en] MESSAGE NUMÉRO 7."
    assert await db["jobs"].count_documents({}) == 0
    assert await db["outbox"].count_documents({"type": "translation.ready"}) == 21


async def test_a_job_keeps_the_targets_not_done_yet(
        worker: Worker, fake: FakeProvider, db: Database, mongo: Mongo) -> None:
    await add(db, mongo, job(1, "en", "xx", "de"))
    fake.down_for = {"de"}
    assert await worker.run_once() == 3
    pending = await db["jobs"].find_one({"_id": "p1"})
    assert pending is not None
    assert pending["targets"] == ["de"]  # the failed pair's; xx was given up, en is done
    assert pending["attempts"] == 1
    assert await db["translations"].count_documents({}) == 1
    fake.down_for = set()
    await db["jobs"].update_one({"_id": "p1"}, {"$set": {"due": datetime.now(UTC)}})
    assert await worker.run_once() == 1
    assert await db["jobs"].count_documents({}) == 0
    assert await db["translations"].count_documents({}) == 2


async def test_a_failing_provider_leaves_the_jobs_for_later(
        worker: Worker, fake: FakeProvider, db: Database, mongo: Mongo) -> None:
    await add(db, mongo, job(1))
    fake.fail_always(503, {"error": "down"})
    assert await worker.run_once() == 1
    pending = await db["jobs"].find_one({"_id": "p1"})
    assert pending is not None
    assert pending["attempts"] == 1
    assert pending["due"] > datetime.now(UTC)
    assert await worker.run_once() == 0  # not due yet: the provider is left alone
    assert await db["translations"].count_documents({}) == 0
    fake.heal()
    await db["jobs"].update_one({"_id": "p1"}, {"$set": {"due": datetime.now(UTC)}})
    assert await worker.run_once() == 1
    assert await db["translations"].count_documents({}) == 1


async def test_an_unsupported_language_is_given_up(
        worker: Worker, fake: FakeProvider, db: Database, mongo: Mongo) -> None:
    await add(db, mongo, job(1, "xx"))
    assert await worker.run_once() == 1
    assert await db["jobs"].count_documents({}) == 0
    assert await db["translations"].count_documents({}) == 0
    assert await db["outbox"].count_documents({}) == 0


async def test_a_newer_revision_wins(
        worker: Worker, db: Database, mongo: Mongo) -> None:
    await add(db, mongo, job(1, revision=2))
    assert await worker.run_once() == 1
    await add(db, mongo, job(1, revision=1))  # a late retry of an older edit's job
    assert await worker.run_once() == 1
    stored = await db["translations"].find_one({"_id": "p1:en"})
    assert stored is not None
    assert stored["revision"] == 2
    assert await db["outbox"].count_documents({}) == 1  # the late one is not announced


async def test_the_budget_stops_machine_translation_and_parks_the_rest(
        tight: Worker, fake: FakeProvider, db: Database, mongo: Mongo) -> None:
    # "Message numéro N." is 17 characters: five fit in 100, the sixth does not
    await add(db, mongo, *(job(n) for n in range(8)))
    assert await tight.run_once() == 8
    assert await db["translations"].count_documents({}) == 5
    sent = sum(len(q) for _, body, _ in fake.requests for q in body["q"])
    assert sent == 5 * 17
    usage = await db["budget_usage"].find_one({"_id": f"c1:{month_of(datetime.now(UTC))}"})
    assert usage is not None
    assert usage["characters"] == sent
    parked = [doc async for doc in db["jobs"].find({})]
    assert len(parked) == 3
    assert all(doc["over_budget"] and not doc["failed"] for doc in parked)
    assert parked[0]["due"] == next_month(datetime.now(UTC))
    assert sample("agora_translation_budget_used_ratio", consultation="c1") == 85 / BUDGET
    # nothing more is sent this month, and another consultation has its own budget
    await add(db, mongo, Job(content_id="q1", consultation_id="c2", thread_id="t2",
                             targets=("en",), source="fr", revision=0, body="Autre chose."))
    assert await tight.run_once() == 1
    assert await db["translations"].find_one({"_id": "q1:en"}) is not None
    assert await db["jobs"].count_documents({}) == 3
    assert sample("agora_translation_queue_lag_seconds") < 5


async def test_cache_hits_cost_no_budget(
        tight: Worker, fake: FakeProvider, db: Database, mongo: Mongo) -> None:
    await add(db, mongo, job(1))
    await tight.run_once()
    twins = [Job(content_id=f"t{n}", consultation_id="c1", thread_id="t1", targets=("en",),
                 source="fr", revision=0, body="Message numéro 1.") for n in range(3)]
    await add(db, mongo, *twins)
    await tight.run_once()
    usage = await db["budget_usage"].find_one({})
    assert usage is not None
    assert usage["characters"] == 17
