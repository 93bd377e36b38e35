"""Ideas and published syntheses to translate, through the same path as posts (posts.py):
each text is recorded as a Source (agora_kit/translation_keys.py names it) and queued as
one job listing the consultation's other languages, in the event's transaction; the
worker, the segment cache, the store and `translation.ready` treat them as any content.

- `idea.created` and `idea.edited` carry the idea's title and description and its
  revision (0, then +1 per edit, as a post's): `idea:<id>:title` and
  `idea:<id>:description` (the latter only when not empty). An unchanged text of an
  edit costs nothing (the segment cache); an older revision arriving late is ignored.
- `synthesis.published` carries the version's title and paragraphs: one text per anchor,
  `synthesis:<id>:<version>:<anchor>`, revision 1 (a version never changes). Paragraphs
  carried over unchanged cost nothing: the segment cache knows their hash.

The language of one idea, or of one version, is detected once over all its texts among
the consultation's languages (the detector posts without a language use); a text still
undetermined is not translated (readers get the original). Citations `[idea:…]`,
`[extract:…]` survive translation (protect.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from agora.v1 import events_pb2, synthesis_pb2
from agora_kit.events.catalog import EVENTS, MalformedEvent, unpack
from agora_kit.events.consumer import ConsumerSpec
from agora_kit.language_detection import detect
from agora_kit.mongo import Session
from agora_kit.translation_keys import idea_key, paragraph_key, version_title_key
from services.translation.jobs import Job
from services.translation.posts import PostJobs
from services.translation.sources import Source, Write, merged

CONSUMER = ConsumerSpec(
    durable="translation-synthesis",
    filter_subjects=[EVENTS.idea_created.filter_subject, EVENTS.idea_edited.filter_subject,
                     EVENTS.synthesis_published.filter_subject],
    per_transaction=50)
VERSION_REVISION = 1


def texts_of(envelope: events_pb2.EventEnvelope) -> tuple[list[tuple[str, str]], int]:
    """The (content id, text) pairs an event carries, and their revision."""
    payload = unpack(envelope, EVENTS.idea_created, EVENTS.idea_edited,
                     EVENTS.synthesis_published)
    if isinstance(payload, synthesis_pb2.IdeaChanged):
        if not payload.idea_id:
            raise MalformedEvent(f"{envelope.type} names no idea")
        texts = [(idea_key(payload.idea_id, "title"), payload.title),
                 (idea_key(payload.idea_id, "description"), payload.description)]
        return [(key, text) for key, text in texts if text.strip()], payload.revision
    if isinstance(payload, synthesis_pb2.SynthesisChanged):
        if not payload.synthesis_id or payload.version < 1:
            raise MalformedEvent("synthesis.published names no version")
        texts = [(version_title_key(payload.synthesis_id, payload.version), payload.title)]
        texts += [(paragraph_key(payload.synthesis_id, payload.version, p.anchor), p.text)
                  for p in payload.paragraphs if p.anchor]
        return [(key, text) for key, text in texts if text.strip()], VERSION_REVISION
    raise MalformedEvent(f"{envelope.type} is not an idea or synthesis event")


class SynthesisTextJobs:
    def __init__(self, posts: PostJobs) -> None:
        """`posts` holds the one job policy (targets, a disabled provider) and stores."""
        self._posts = posts

    async def on_events(self, envelopes: Sequence[events_pb2.EventEnvelope],
                        session: Session) -> None:
        """The events of one transaction: records read in one round trip, written in one,
        their jobs in one (as posts.py)."""
        carried = [(envelope, *texts_of(envelope)) for envelope in envelopes]
        sources = self._posts.sources
        current = await sources.get_many(
            list({key for _, texts, _ in carried for key, _ in texts}), session=session)
        writes: list[Write] = []
        jobs: dict[str, Job] = {}
        for envelope, texts, revision in carried:
            if not texts:
                continue
            languages = await self._posts.languages.of(envelope.consultation_id)
            language = detect("\n\n".join(text for _, text in texts), languages).language
            for key, text in texts:
                kept, write = merged(Source(
                    content_id=key, consultation_id=envelope.consultation_id, thread_id="",
                    author_id=envelope.actor, language=language, revision=revision,
                    body=text), current.get(key))
                current[key] = kept
                if write is not None:
                    writes.append(write)
                if kept.revision == revision and (job := self._posts.job_for(kept, languages)):
                    jobs[key] = job
        await sources.write(writes, session=session)
        await self._posts.jobs.put_many(list(jobs.values()), session=session)
