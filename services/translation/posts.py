"""Posts to translate, on post.created and post.edited: one job per other language of
their consultation, recorded in the event's transaction (the worker translates them).

A post that arrives `und` is detected again among the consultation's languages; one still
undetermined is not translated (readers get the original). Edits do not carry the
language, so the original's is remembered.
"""

from __future__ import annotations

from agora.v1 import debate_events_pb2, events_pb2
from agora_kit.events.catalog import EVENTS, MalformedEvent, unpack
from agora_kit.events.consumer import ConsumerSpec
from agora_kit.language_detection import detect
from agora_kit.mongo import Session
from services.translation.consultations import ConsultationLanguages
from services.translation.jobs import Job, Jobs
from services.translation.store import Translations

CONSUMER = ConsumerSpec(
    durable="translation-posts",
    filter_subjects=[EVENTS.post_created.filter_subject, EVENTS.post_edited.filter_subject])
UNDETERMINED = ("", "und")


class PostJobs:
    def __init__(self, *, enabled: bool, jobs: Jobs, store: Translations,
                 languages: ConsultationLanguages) -> None:
        """`enabled` is False when the deployment has no machine translation."""
        self._enabled = enabled
        self._jobs = jobs
        self._store = store
        self._languages = languages

    async def on_post(self, envelope: events_pb2.EventEnvelope, session: Session) -> None:
        payload = unpack(envelope, EVENTS.post_created, EVENTS.post_edited)
        languages = await self._languages.of(envelope.consultation_id)
        if isinstance(payload, events_pb2.PostCreated):
            source, revision = payload.language, 0
        elif isinstance(payload, debate_events_pb2.PostEdited):
            source = await self._store.source_language(payload.post_id, session=session) or ""
            revision = payload.revision
        else:
            raise MalformedEvent(f"{envelope.type} is not a post event")
        if source in UNDETERMINED:
            source = detect(payload.body, languages).language
        await self._store.remember_source(payload.post_id, source, session=session)
        if not self._enabled or source in UNDETERMINED:
            return
        for target in languages:
            if target != source:
                await self._jobs.add(Job(
                    content_id=payload.post_id, consultation_id=envelope.consultation_id,
                    thread_id=payload.thread_id, target=target, source=source,
                    revision=revision, body=payload.body), session=session)
