"""The post consumer applies a fetched batch in one transaction: creations and edits of
one post in stream order, a late creation still names the author, a copy changes
nothing, and a poison event is dead-lettered without holding the others back."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import Sequence

from google.protobuf.message import Message
from nats.aio.client import Client as NatsClient
from pymongo import AsyncMongoClient

from agora.v1 import debate_events_pb2, events_pb2
from agora_kit.events.consumer import PROCESSED_COLLECTION, Batched, EventConsumer
from agora_kit.events.envelope import new_envelope, subject_for
from agora_kit.events.streams import DEAD_LETTER_STREAM, ensure_streams
from agora_kit.ids import new_id
from agora_kit.mongo import Database, Session
from services.translation import posts
from services.translation.jobs import Jobs
from services.translation.posts import PostJobs
from services.translation.sources import Sources
from tests.helpers import eventually
from tests.translation.support import known_languages

Mongo = AsyncMongoClient[dict[str, object]]


async def test_a_batch_of_post_events_is_applied_in_order_once_around_a_poison_event(
        db: Database, mongo: Mongo, nc: NatsClient) -> None:
    js = nc.jetstream()
    await ensure_streams(js)
    consultation = new_id()
    languages = known_languages(consultation, "fr", "en", "de")
    handler = PostJobs(enabled=True, jobs=Jobs(db), sources=Sources(db), languages=languages)
    spec = dataclasses.replace(posts.CONSUMER, durable=f"test-{uuid.uuid4().hex[:8]}",
                               filter_subjects=[f"agora.{consultation}.post.>"],
                               max_deliver=2, backoff=(0.1,))
    together: list[int] = []

    async def counted(envelopes: Sequence[events_pb2.EventEnvelope], session: Session) -> None:
        together.append(len(envelopes))
        await handler.on_posts(envelopes, session)

    consumer = EventConsumer(service="test", spec=spec, handler=Batched(counted),
                             js=js, mongo=mongo, db=db)
    await consumer.declare()

    def event(kind: str, payload: Message) -> events_pb2.EventEnvelope:
        return new_envelope(event_type=kind, consultation_id=consultation, actor="tester",
                            payload=payload)

    a, b, c = new_id(), new_id(), new_id()
    created_a = event("post.created", events_pb2.PostCreated(
        post_id=a, thread_id="t1", author_id="alice", body="Bonjour.", language="fr"))
    good = [created_a,
            event("post.edited", debate_events_pb2.PostEdited(
                post_id=a, thread_id="t1", body="Bonjour à tous.", revision=1)),
            event("post.edited", debate_events_pb2.PostEdited(  # before its creation
                post_id=b, thread_id="t1", body="Salut, version deux.", revision=2)),
            event("post.created", events_pb2.PostCreated(
                post_id=b, thread_id="t1", author_id="bob", body="Salut.", language="fr"))]
    late = event("post.created", events_pb2.PostCreated(
        post_id=c, thread_id="t1", author_id="carol", body="Tard.", language="fr"))
    poison = event("post.created", events_pb2.PostCreated(post_id=new_id()))
    poison.payload.Pack(debate_events_pb2.PostEdited(post_id=new_id()))  # not its type

    async def publish(envelope: events_pb2.EventEnvelope, msg_id: str | None = None) -> None:
        await js.publish(subject_for(consultation, envelope.type), envelope.SerializeToString(),
                         headers={"Nats-Msg-Id": msg_id or envelope.event_id})

    for envelope in good:
        await publish(envelope)
    await publish(created_a, f"{created_a.event_id}-copy")  # past the duplicate window
    dead_letters = await js.pull_subscribe(f"dlq.{spec.durable}.>", stream=DEAD_LETTER_STREAM)
    task = asyncio.create_task(consumer.run())
    try:
        await eventually(lambda: db[PROCESSED_COLLECTION].count_documents({}),
                         lambda n: n >= len(good))
        await publish(poison)
        await publish(late)
        [dead] = await dead_letters.fetch(1, timeout=15)
        await eventually(lambda: db[PROCESSED_COLLECTION].count_documents({}),
                         lambda n: n >= len(good) + 1)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert dead.data == poison.SerializeToString()
    assert together[0] == len(good)  # the first four (and the copy) in one transaction

    sources = await Sources(db).get_many([a, b])
    assert (sources[a].revision, sources[a].body, sources[a].author_id) == (
        1, "Bonjour à tous.", "alice")
    assert (sources[b].revision, sources[b].body, sources[b].author_id) == (
        2, "Salut, version deux.", "bob")
    jobs = {doc["_id"]: doc async for doc in db["jobs"].find()}
    assert set(jobs) == {a, b, c}  # the event after the poison one is applied too
    assert (jobs[a]["revision"], jobs[a]["body"], jobs[a]["targets"]) == (
        1, "Bonjour à tous.", ["en", "de"])
    assert (jobs[b]["revision"], jobs[b]["body"]) == (2, "Salut, version deux.")
    markers = await db[PROCESSED_COLLECTION].distinct("_id")
    assert sorted(markers) == sorted(f"{spec.durable}:{e.event_id}" for e in [*good, late])
