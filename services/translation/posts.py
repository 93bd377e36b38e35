"""Posts to translate, on post.created and post.edited: the post is recorded (sources.py)
and one job listing the other languages of its consultation is queued, in the event's
transaction (the worker translates them): four MongoDB operations per event with the
consumer's deduplication marker.

A post that arrives `und` is detected again among the consultation's languages; one still
undetermined is not translated (readers get the original). Edits do not carry the
language, so the original's (or the author's correction of it) is kept.
"""

from __future__ import annotations

from agora.v1 import debate_events_pb2, events_pb2
from agora_kit.events.catalog import EVENTS, MalformedEvent, unpack
from agora_kit.events.consumer import ConsumerSpec
from agora_kit.language_detection import detect
from agora_kit.mongo import Session
from services.translation.consultations import ConsultationLanguages
from services.translation.jobs import Job, Jobs
from services.translation.sources import Source, Sources


def post_of(envelope: events_pb2.EventEnvelope) -> str:
    """Events of one post are applied in order; those of different posts at once."""
    return str(getattr(unpack(envelope, EVENTS.post_created, EVENTS.post_edited),
                       "post_id", ""))


CONSUMER = ConsumerSpec(
    durable="translation-posts",
    filter_subjects=[EVENTS.post_created.filter_subject, EVENTS.post_edited.filter_subject],
    concurrency=8, order_key=post_of)
UNDETERMINED = ("", "und")


class PostJobs:
    def __init__(self, *, enabled: bool, jobs: Jobs, sources: Sources,
                 languages: ConsultationLanguages) -> None:
        """`enabled` is False when the deployment has no machine translation."""
        self._enabled = enabled
        self._jobs = jobs
        self._sources = sources
        self._languages = languages

    async def on_post(self, envelope: events_pb2.EventEnvelope, session: Session) -> None:
        payload = unpack(envelope, EVENTS.post_created, EVENTS.post_edited)
        languages = await self._languages.of(envelope.consultation_id)
        if isinstance(payload, events_pb2.PostCreated):
            current = await self._sources.get(payload.post_id, session=session)
            language, revision, author = payload.language, 0, payload.author_id
        elif isinstance(payload, debate_events_pb2.PostEdited):
            current = await self._sources.get(payload.post_id, session=session)
            language = current.language if current else ""
            revision, author = payload.revision, ""
        else:
            raise MalformedEvent(f"{envelope.type} is not a post event")
        if language in UNDETERMINED:
            language = detect(payload.body, languages).language
        kept = await self._sources.record(Source(
            content_id=payload.post_id, consultation_id=envelope.consultation_id,
            thread_id=payload.thread_id, author_id=author, language=language,
            revision=revision, body=payload.body), current=current, session=session)
        if kept.revision == revision:
            await self.queue(kept, languages, session=session)

    async def queue(self, source: Source, languages: tuple[str, ...], *,
                    session: Session) -> int:
        """The job translating the content into each other language; how many targets."""
        if not self._enabled or source.language in UNDETERMINED:
            return 0
        targets = [target for target in languages if target != source.language]
        if targets:
            await self._jobs.put(Job.translating(source, targets), session=session)
        return len(targets)
