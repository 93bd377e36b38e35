"""The idea and synthesis consumer records one source per text (namespaced content ids)
and queues its job into the consultation's other languages, detected among them; an edit
bumps the revision; a copy of an event changes nothing."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import Sequence

from google.protobuf.message import Message
from nats.aio.client import Client as NatsClient
from pymongo import AsyncMongoClient

from agora.v1 import events_pb2, synthesis_pb2
from agora_kit.events.consumer import PROCESSED_COLLECTION, Batched, EventConsumer
from agora_kit.events.envelope import new_envelope, subject_for
from agora_kit.events.streams import ensure_streams
from agora_kit.ids import new_id
from agora_kit.mongo import Database, Session
from agora_kit.translation_keys import idea_key, paragraph_key, version_title_key
from services.translation import synthesis_texts
from services.translation.jobs import Jobs
from services.translation.posts import PostJobs
from services.translation.sources import Sources
from services.translation.synthesis_texts import SynthesisTextJobs
from tests.helpers import eventually
from tests.translation.support import known_languages

Mongo = AsyncMongoClient[dict[str, object]]


async def test_ideas_and_versions_become_one_source_and_job_per_text_once(
        db: Database, mongo: Mongo, nc: NatsClient) -> None:
    js = nc.jetstream()
    await ensure_streams(js)
    consultation = new_id()
    languages = known_languages(consultation, "fr", "en", "de")
    handler = SynthesisTextJobs(PostJobs(enabled=True, jobs=Jobs(db), sources=Sources(db),
                                         languages=languages))
    spec = dataclasses.replace(synthesis_texts.CONSUMER,
                               durable=f"test-{uuid.uuid4().hex[:8]}",
                               filter_subjects=[
                                   subject.replace("*", consultation, 1)
                                   for subject in synthesis_texts.CONSUMER.filter_subjects])
    seen: list[int] = []

    async def counted(envelopes: Sequence[events_pb2.EventEnvelope], session: Session) -> None:
        seen.append(len(envelopes))
        await handler.on_events(envelopes, session)

    consumer = EventConsumer(service="test", spec=spec, handler=Batched(counted),
                             js=js, mongo=mongo, db=db)
    await consumer.declare()

    def event(kind: str, payload: Message) -> events_pb2.EventEnvelope:
        return new_envelope(event_type=kind, consultation_id=consultation, actor="writer",
                            payload=payload)

    idea, bare, synthesis, anchor = new_id(), new_id(), new_id(), new_id()
    created = event("idea.created", synthesis_pb2.IdeaChanged(
        idea_id=idea, title="Des pistes cyclables protégées",
        description="Pour que les enfants aillent à l'école à vélo."))
    edited = event("idea.edited", synthesis_pb2.IdeaChanged(
        idea_id=idea, title="Des pistes cyclables séparées des voitures",
        description="Pour que les enfants aillent à l'école à vélo.", revision=1))
    untitled = event("idea.created", synthesis_pb2.IdeaChanged(  # no description
        idea_id=bare, title="Plus de bus la nuit dans tous les quartiers"))
    published = event("synthesis.published", synthesis_pb2.SynthesisChanged(
        synthesis_id=synthesis, version=1, title="Ce que nous avons entendu",
        paragraphs=[synthesis_pb2.Paragraph(
            anchor=anchor, text=f"Les habitants veulent des pistes [idea:{idea}].")]))
    ignored = event("synthesis.draft_saved", synthesis_pb2.SynthesisChanged(
        synthesis_id=synthesis))

    async def publish(envelope: events_pb2.EventEnvelope, msg_id: str | None = None) -> None:
        await js.publish(subject_for(consultation, envelope.type), envelope.SerializeToString(),
                         headers={"Nats-Msg-Id": msg_id or envelope.event_id})

    for envelope in (created, edited, untitled, published, ignored):
        await publish(envelope)
    await publish(created, f"{created.event_id}-copy")  # redelivered past the window
    task = asyncio.create_task(consumer.run())
    try:
        await eventually(lambda: db[PROCESSED_COLLECTION].count_documents({}),
                         lambda n: n >= 4)
        await asyncio.sleep(0.5)  # the copy, had it been applied
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    keys = [idea_key(idea, "title"), idea_key(idea, "description"), idea_key(bare, "title"),
            version_title_key(synthesis, 1), paragraph_key(synthesis, 1, anchor)]
    sources = await Sources(db).get_many([*keys, idea_key(bare, "description")])
    assert sorted(sources) == sorted(keys)
    assert {s.language for s in sources.values()} == {"fr"}
    assert [sources[k].revision for k in keys] == [1, 1, 0, 1, 1]  # the idea was edited
    assert sources[keys[0]].body == "Des pistes cyclables séparées des voitures"
    assert sources[paragraph_key(synthesis, 1, anchor)].body.endswith(f"[idea:{idea}].")
    jobs = {doc["_id"]: doc async for doc in db["jobs"].find()}
    assert sorted(jobs) == sorted(keys)
    assert all(job["targets"] == ["en", "de"] and job["source"] == "fr"
               for job in jobs.values())
    assert jobs[keys[0]]["body"] == "Des pistes cyclables séparées des voitures"
    assert sum(seen) == 4  # the copy and the draft were never applied
    markers = await db[PROCESSED_COLLECTION].distinct("_id")
    assert sorted(markers) == sorted(f"{spec.durable}:{e.event_id}"
                                     for e in (created, edited, untitled, published))
