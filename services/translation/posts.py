"""Posts into every language of their consultation, on post.created and post.edited.

The translation is computed in the consumer's transaction and stored with its
`translation.ready` event in the same commit (the outbox). A provider that fails is
retried by redelivery with growing delays (the breaker keeps a dead provider uncalled);
a request the provider refuses for this text (an unsupported language) is given up at
once: the original is what readers get, as they do while a translation is pending.
"""

from __future__ import annotations

import logging

from agora.v1 import debate_events_pb2, events_pb2, translation_pb2
from agora_kit.events.catalog import EVENTS, MalformedEvent, unpack
from agora_kit.events.consumer import ConsumerSpec
from agora_kit.events.envelope import new_envelope
from agora_kit.events.outbox import Outbox
from agora_kit.language_detection import detect
from agora_kit.mongo import Session
from services.translation.consultations import ConsultationLanguages
from services.translation.metrics import TRANSLATIONS
from services.translation.pipeline import Pipeline
from services.translation.providers.base import NO_GLOSSARY
from services.translation.providers.errors import InputRejected
from services.translation.store import StoredTranslation, Translations

log = logging.getLogger(__name__)

# A provider outage should outlast several redeliveries before an event is dead-lettered.
CONSUMER = ConsumerSpec(
    durable="translation-posts",
    filter_subjects=[EVENTS.post_created.filter_subject, EVENTS.post_edited.filter_subject],
    max_deliver=12, backoff=(2.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0))
UNDETERMINED = ("", "und")


class PostTranslator:
    def __init__(self, *, pipeline: Pipeline | None, store: Translations,
                 languages: ConsultationLanguages, outbox: Outbox) -> None:
        """`pipeline` is None when the deployment has no machine translation."""
        self._pipeline = pipeline
        self._store = store
        self._languages = languages
        self._outbox = outbox

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
        post_id, thread_id, body = payload.post_id, payload.thread_id, payload.body
        if source in UNDETERMINED:
            source = detect(body, languages).language
        await self._store.remember_source(post_id, source, session=session)
        if self._pipeline is None or source in UNDETERMINED:
            return
        for target in (language for language in languages if language != source):
            try:
                [text] = await self._pipeline.translate(
                    [body], source=source, target=target, glossary=NO_GLOSSARY)
            except InputRejected as refused:
                log.warning("translation refused; the original is served",
                            extra={"post_id": post_id, "target": target,
                                   "error": str(refused)})
                continue
            stored = await self._store.save(StoredTranslation(
                content_id=post_id, consultation_id=envelope.consultation_id,
                thread_id=thread_id, target=target, source_language=source,
                revision=revision, text=text, provider=self._pipeline.provider),
                session=session)
            if stored:
                TRANSLATIONS.labels("machine").inc()
                await self._outbox.add(new_envelope(
                    event_type=EVENTS.translation_ready,
                    consultation_id=envelope.consultation_id, actor="system",
                    payload=translation_pb2.TranslationReady(
                        content_id=post_id, thread_id=thread_id,
                        target=target, source_language=source, revision=revision)),
                    session=session)
