"""Posts to translate, on post.created and post.edited: the post is recorded (sources.py)
and one job listing the other languages of its consultation is queued, in the event's
transaction (the worker translates them). Up to 50 events share a transaction, in stream
order (the kit's `per_transaction`): five MongoDB operations for all of them with the
consumer's deduplication markers (markers read, markers written, records read, records
written, jobs written), instead of five per event.

A post that arrives `und` is detected again among the consultation's languages; one still
undetermined is not translated (readers get the original). Edits do not carry the
language, so the original's (or the author's correction of it) is kept.
"""

from __future__ import annotations

from collections.abc import Sequence

from agora.v1 import debate_events_pb2, events_pb2
from agora_kit.events.catalog import EVENTS, MalformedEvent, unpack
from agora_kit.events.consumer import ConsumerSpec
from agora_kit.language_detection import detect
from agora_kit.mongo import Session
from services.translation.consultations import ConsultationLanguages
from services.translation.jobs import Job, Jobs
from services.translation.sources import Source, Sources, Write, merged

CONSUMER = ConsumerSpec(
    durable="translation-posts",
    filter_subjects=[EVENTS.post_created.filter_subject, EVENTS.post_edited.filter_subject],
    per_transaction=50)
UNDETERMINED = ("", "und")


class PostJobs:
    def __init__(self, *, enabled: bool, jobs: Jobs, sources: Sources,
                 languages: ConsultationLanguages) -> None:
        """`enabled` is False when the deployment has no machine translation."""
        self._enabled = enabled
        self._jobs = jobs
        self._sources = sources
        self._languages = languages

    # Shared with the other kinds of content (synthesis_texts.py): one job policy.
    @property
    def jobs(self) -> Jobs:
        return self._jobs

    @property
    def sources(self) -> Sources:
        return self._sources

    @property
    def languages(self) -> ConsultationLanguages:
        return self._languages

    async def on_posts(self, envelopes: Sequence[events_pb2.EventEnvelope],
                       session: Session) -> None:
        """The events of one transaction, in stream order: the posts' records read in
        one round trip, written in one, their jobs in one."""
        payloads = [unpack(envelope, EVENTS.post_created, EVENTS.post_edited)
                    for envelope in envelopes]
        current = await self._sources.get_many(
            list({str(getattr(payload, "post_id", "")) for payload in payloads}),
            session=session)
        writes: list[Write] = []
        jobs: dict[str, Job] = {}
        for envelope, payload in zip(envelopes, payloads, strict=True):
            languages = await self._languages.of(envelope.consultation_id)
            if isinstance(payload, events_pb2.PostCreated):
                recorded = current.get(payload.post_id)
                language, revision, author = payload.language, 0, payload.author_id
            elif isinstance(payload, debate_events_pb2.PostEdited):
                recorded = current.get(payload.post_id)
                language = recorded.language if recorded else ""
                revision, author = payload.revision, ""
            else:
                raise MalformedEvent(f"{envelope.type} is not a post event")
            if language in UNDETERMINED:
                language = detect(payload.body, languages).language
            kept, write = merged(Source(
                content_id=payload.post_id, consultation_id=envelope.consultation_id,
                thread_id=payload.thread_id, author_id=author, language=language,
                revision=revision, body=payload.body), recorded)
            current[kept.content_id] = kept
            if write is not None:
                writes.append(write)
            if kept.revision == revision and (job := self.job_for(kept, languages)):
                jobs[kept.content_id] = job
        await self._sources.write(writes, session=session)
        await self._jobs.put_many(list(jobs.values()), session=session)

    def job_for(self, source: Source, languages: tuple[str, ...]) -> Job | None:
        """The job translating the content into each other language, if any."""
        if not self._enabled or source.language in UNDETERMINED:
            return None
        targets = [target for target in languages if target != source.language]
        return Job.translating(source, targets) if targets else None

    async def queue(self, source: Source, languages: tuple[str, ...], *,
                    session: Session) -> int:
        """The job translating the content into each other language; how many targets."""
        job = self.job_for(source, languages)
        if job is not None:
            await self._jobs.put(job, session=session)
        return len(job.targets) if job else 0
