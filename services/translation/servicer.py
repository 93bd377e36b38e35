"""TranslationService: batch lookups of stored translations for the gateway's pages, and
the people's corrections and glossaries (corrections.py, glossary_editor.py)."""

from __future__ import annotations

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from agora.v1 import translation_pb2, translation_pb2_grpc
from agora_kit.errors import InvalidArgument
from agora_kit.ids import require_id
from agora_kit.translation_keys import POST, is_content_key, kind_of
from agora_kit.validators import is_language_code
from services.translation.corrections import Corrections
from services.translation.glossaries import Glossaries, Version
from services.translation.glossary_editor import GlossaryEditor
from services.translation.metrics import TRANSLATIONS
from services.translation.sources import Source, Sources
from services.translation.store import Served, Translations, served

MAX_KEYS = 500


def translation(content_id: str, target: str, found: Served) -> translation_pb2.Translation:
    return translation_pb2.Translation(
        content_id=content_id, target=target, found=found.found, text=found.text,
        source_language=found.source_language, revision=found.revision,
        machine=found.machine, human_verified=found.human_verified,
        provider=found.provider, needs_review=found.needs_review)


def glossary(version: Version, retranslating: int = 0) -> translation_pb2.Glossary:
    out = translation_pb2.Glossary(
        consultation_id=version.consultation_id, version=version.number,
        keep=list(version.keep), published_by=version.published_by,
        retranslating=retranslating,
        fixed=[translation_pb2.GlossaryTerm(
            term=t.term, source_language=t.source_language,
            target_language=t.target_language, translation=t.translation)
            for t in version.fixed])
    if version.published_at is not None:
        stamp = Timestamp()
        stamp.FromDatetime(version.published_at)
        out.published_at.CopyFrom(stamp)
    return out


def source_language(source: Source) -> translation_pb2.SourceLanguage:
    return translation_pb2.SourceLanguage(content_id=source.content_id,
                                          language=source.language,
                                          revision=source.revision,
                                          corrected=source.corrected)


class TranslationServicer(translation_pb2_grpc.TranslationServiceServicer):
    def __init__(self, *, store: Translations, sources: Sources, corrections: Corrections,
                 glossaries: Glossaries, editor: GlossaryEditor) -> None:
        self._store = store
        self._sources = sources
        self._corrections = corrections
        self._glossaries = glossaries
        self._editor = editor

    async def GetTranslations(
        self, request: translation_pb2.GetTranslationsRequest,
        context: grpc.aio.ServicerContext,
    ) -> translation_pb2.GetTranslationsResponse:
        if len(request.keys) > MAX_KEYS:
            raise InvalidArgument(f"at most {MAX_KEYS} keys per call", field="keys")
        keys = []
        for key in request.keys:
            if not is_content_key(key.content_id):
                raise InvalidArgument("content_id names no content", field="content_id")
            if not is_language_code(key.target):
                raise InvalidArgument("target must be a language code", field="target")
            keys.append((key.content_id, key.target))
        found = await self._store.find(keys)
        # The current revision matters only where a person's translation may be stale.
        revisions = await self._sources.revisions(
            list({key[0] for key, doc in found.items() if "human" in doc}))
        # Texts other than posts tell their language only here (their owner does not
        # store it): an untranslated one still says what it is written in.
        recorded = await self._sources.get_many(list({
            content_id for content_id, target in keys
            if (content_id, target) not in found and kind_of(content_id) != POST}))
        replies = []
        for content_id, target in keys:
            reply = translation(content_id, target, served(found.get((content_id, target)),
                                                           revisions.get(content_id)))
            if not reply.found and content_id in recorded:
                reply.source_language = recorded[content_id].language
                reply.revision = recorded[content_id].revision
            replies.append(reply)
        return translation_pb2.GetTranslationsResponse(translations=replies)

    async def CorrectTranslation(
        self, request: translation_pb2.CorrectTranslationRequest,
        context: grpc.aio.ServicerContext,
    ) -> translation_pb2.Translation:
        await self._corrections.translate(
            content_id=request.content_id, target=request.target, text=request.text,
            actor_id=request.actor_id, roles=list(request.actor_roles))
        TRANSLATIONS.labels("human").inc()
        found = await self._store.find([(request.content_id, request.target)])
        source = await self._sources.get(request.content_id)
        return translation(request.content_id, request.target, served(
            found.get((request.content_id, request.target)),
            source.revision if source else None))

    async def CorrectSourceLanguage(
        self, request: translation_pb2.CorrectSourceLanguageRequest,
        context: grpc.aio.ServicerContext,
    ) -> translation_pb2.SourceLanguage:
        return source_language(await self._corrections.language(
            content_id=request.content_id, language=request.language,
            actor_id=request.actor_id))

    async def PublishGlossary(
        self, request: translation_pb2.PublishGlossaryRequest,
        context: grpc.aio.ServicerContext,
    ) -> translation_pb2.Glossary:
        version, queued = await self._editor.publish(request)
        return glossary(version, queued)

    async def GetGlossary(
        self, request: translation_pb2.GetGlossaryRequest,
        context: grpc.aio.ServicerContext,
    ) -> translation_pb2.Glossary:
        require_id(request.consultation_id, field="consultation_id")
        return glossary(await self._glossaries.current(request.consultation_id))
