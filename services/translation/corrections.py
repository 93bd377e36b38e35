"""People correcting what the machine did: a translation (the author of the content or a
knowledge manager) and the language a content was detected in (its author).

A person's translation is stored beside the machine's (store.py), for the revision the
content is at, and announced with `translation.ready` so that pages cached with the
machine text are dropped. A corrected language re-drives translation from it: the jobs
of every other language are queued again, and the translation into the language the text
turns out to be written in is forgotten (announced too: readers of it now get the original).
"""

from __future__ import annotations

from agora.v1 import translation_pb2
from agora_kit.errors import InvalidArgument, NotFound
from agora_kit.events.catalog import EVENTS
from agora_kit.events.envelope import new_envelope
from agora_kit.events.outbox import Outbox
from agora_kit.ids import require_id
from agora_kit.mongo import Session
from agora_kit.runtime import Dependencies
from agora_kit.validators import is_language_code
from services.translation.consultations import ConsultationLanguages
from services.translation.jobs import Jobs
from services.translation.permissions import require_author, require_corrector
from services.translation.posts import PostJobs
from services.translation.sources import Source, Sources
from services.translation.store import Translations

# A corrected translation is at most this long (posts are at most 10 000 characters; a
# translation may run longer than its original).
MAX_CORRECTION_CHARS = 20_000


def ready(source: Source, target: str, language: str) -> translation_pb2.TranslationReady:
    return translation_pb2.TranslationReady(
        content_id=source.content_id, thread_id=source.thread_id, target=target,
        source_language=language, revision=source.revision)


class Corrections:
    def __init__(self, *, deps: Dependencies, store: Translations, sources: Sources,
                 jobs: Jobs, posts: PostJobs, languages: ConsultationLanguages) -> None:
        self._deps = deps
        self._store = store
        self._sources = sources
        self._jobs = jobs
        self._posts = posts
        self._languages = languages

    async def _known(self, content_id: str) -> Source:
        require_id(content_id, field="content_id")
        source = await self._sources.get(content_id)
        if source is None:
            raise NotFound(f"content {content_id} is not known to translation (yet)",
                           field="content_id")
        return source

    async def _language_of(self, source: Source, language: str, *, field: str) -> None:
        if not is_language_code(language):
            raise InvalidArgument(f"{field} must be a language code", field=field)
        languages = await self._languages.of(source.consultation_id)
        if language not in languages:
            raise InvalidArgument(f"{language} is not a language of this consultation "
                                  f"({', '.join(languages)})", field=field)

    async def translate(self, *, content_id: str, target: str, text: str, actor_id: str,
                        roles: list[str]) -> Source:
        """Store a person's translation of the content's current revision."""
        text = text.strip()
        if not text:
            raise InvalidArgument("the translation is empty", field="text")
        if len(text) > MAX_CORRECTION_CHARS:
            raise InvalidArgument(f"a translation is at most {MAX_CORRECTION_CHARS} "
                                  "characters", field="text")
        source = await self._known(content_id)
        require_corrector(actor_id, roles, source.author_id)
        await self._language_of(source, target, field="target")
        if target == source.language:
            raise InvalidArgument(f"the original is written in {target}", field="target")

        async def work(session: Session, outbox: Outbox) -> Source:
            current = await self._sources.get(content_id, session=session) or source
            await self._store.save_human(
                content_id=content_id, consultation_id=current.consultation_id,
                thread_id=current.thread_id, target=target, source_language=current.language,
                revision=current.revision, text=text, by=actor_id, session=session)
            await outbox.add(new_envelope(
                event_type=EVENTS.translation_ready, consultation_id=current.consultation_id,
                actor=actor_id, payload=ready(current, target, current.language)),
                session=session)
            return current

        return await self._deps.commit(work)

    async def language(self, *, content_id: str, language: str, actor_id: str) -> Source:
        """The author's correction of their content's language; translated again from it."""
        source = await self._known(content_id)
        require_author(actor_id, source.author_id)
        await self._language_of(source, language, field="language")
        if source.corrected and source.language == language:
            return source  # the same correction again: nothing to re-drive
        languages = await self._languages.of(source.consultation_id)

        async def work(session: Session, outbox: Outbox) -> Source:
            current = await self._sources.get(content_id, session=session) or source
            corrected = await self._sources.correct_language(current, language,
                                                             session=session)
            await self._store.forget(content_id, language, session=session)
            await self._jobs.cancel(content_id, language, session=session)
            await self._posts.queue(corrected, languages, session=session)
            await outbox.add(new_envelope(
                event_type=EVENTS.translation_ready, consultation_id=current.consultation_id,
                actor=actor_id, payload=ready(corrected, language, language)), session=session)
            return corrected

        return await self._deps.commit(work)
