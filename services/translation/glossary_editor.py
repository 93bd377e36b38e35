"""Publishing a consultation's glossary: validated, a new version, and the texts that
contain a changed term (added, removed or translated otherwise) queued again, in one
transaction. Texts without a changed term keep their translations: their cache entries
do not depend on the version (terms.segment_version)."""

from __future__ import annotations

from agora.v1 import translation_pb2
from agora_kit.errors import InvalidArgument
from agora_kit.events.outbox import Outbox
from agora_kit.ids import require_id
from agora_kit.mongo import Session
from agora_kit.runtime import Dependencies
from services.translation import terms
from services.translation.consultations import ConsultationLanguages
from services.translation.glossaries import Glossaries, Term, Version
from services.translation.jobs import Job, Jobs
from services.translation.permissions import require_glossary_editor
from services.translation.posts import UNDETERMINED
from services.translation.protect import protect
from services.translation.sources import Sources

MAX_KEEP = 500
MAX_FIXED = 2_000
MAX_TERM_CHARS = 100


def _term(value: str, field: str) -> str:
    value = value.strip()
    if not value or len(value) > MAX_TERM_CHARS or any(
            ord(c) < 0x20 or c == "\x7f" for c in value):
        raise InvalidArgument(f"a term is 1 to {MAX_TERM_CHARS} characters on one line",
                              field=field)
    return value


def validate(request: translation_pb2.PublishGlossaryRequest, languages: tuple[str, ...]
             ) -> tuple[list[str], list[Term]]:
    if len(request.keep) > MAX_KEEP or len(request.fixed) > MAX_FIXED:
        raise InvalidArgument(f"at most {MAX_KEEP} kept terms and {MAX_FIXED} fixed "
                              "translations", field="keep" if len(request.keep) > MAX_KEEP
                              else "fixed")
    keep = [_term(term, f"keep.{i}") for i, term in enumerate(request.keep)]
    if len({term.casefold() for term in keep}) != len(keep):
        raise InvalidArgument("a kept term is listed twice", field="keep")
    fixed: list[Term] = []
    seen: set[tuple[str, str, str]] = set()
    kept = {term.casefold() for term in keep}
    for i, entry in enumerate(request.fixed):
        for name in ("source_language", "target_language"):
            if getattr(entry, name) not in languages:
                raise InvalidArgument(f"{getattr(entry, name) or '(empty)'} is not a language "
                                      "of this consultation", field=f"fixed.{i}.{name}")
        if entry.source_language == entry.target_language:
            raise InvalidArgument("a fixed translation is between two languages",
                                  field=f"fixed.{i}.target_language")
        term = _term(entry.term, f"fixed.{i}.term")
        pair = (term.casefold(), entry.source_language, entry.target_language)
        if pair in seen or term.casefold() in kept:
            raise InvalidArgument(f"{term!r} is listed twice for this language pair",
                                  field=f"fixed.{i}.term")
        seen.add(pair)
        fixed.append(Term(term=term, source_language=entry.source_language,
                          target_language=entry.target_language,
                          translation=_term(entry.translation, f"fixed.{i}.translation")))
    return keep, fixed


class GlossaryEditor:
    def __init__(self, *, enabled: bool, deps: Dependencies, glossaries: Glossaries,
                 sources: Sources, jobs: Jobs, languages: ConsultationLanguages) -> None:
        self._enabled = enabled
        self._deps = deps
        self._glossaries = glossaries
        self._sources = sources
        self._jobs = jobs
        self._languages = languages

    async def publish(self, request: translation_pb2.PublishGlossaryRequest
                      ) -> tuple[Version, int]:
        """The new version, and how many texts are translated again."""
        require_id(request.consultation_id, field="consultation_id")
        require_glossary_editor(request.actor_roles)
        languages = await self._languages.of(request.consultation_id)
        keep, fixed = validate(request, languages)

        async def work(session: Session, outbox: Outbox) -> tuple[Version, int]:
            previous, new = await self._glossaries.publish(
                request.consultation_id, keep=keep, fixed=fixed, by=request.actor_id,
                session=session)
            queued = await self._retranslate(previous, new, languages, session=session)
            return new, queued

        return await self._deps.commit(work)

    async def _retranslate(self, previous: Version, new: Version,
                           languages: tuple[str, ...], *, session: Session) -> int:
        if not self._enabled:
            return 0
        texts = 0
        for source in await self._sources.of_consultation(new.consultation_id,
                                                          session=session):
            if source.language in UNDETERMINED:
                continue
            sent = protect(source.body).text
            targets = [target for target in languages if target != source.language
                       and terms.contains_any(terms.changed(
                           previous.for_pair(source.language, target),
                           new.for_pair(source.language, target)), sent)]
            if targets:
                await self._jobs.add_targets(Job.translating(source, targets),
                                             session=session)
                texts += 1
        return texts
