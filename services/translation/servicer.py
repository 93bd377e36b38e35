"""TranslationService: batch lookups of stored translations for the gateway's pages."""

from __future__ import annotations

import grpc

from agora.v1 import translation_pb2, translation_pb2_grpc
from agora_kit.errors import InvalidArgument
from agora_kit.ids import require_id
from agora_kit.validators import is_language_code
from services.translation.store import Translations

MAX_KEYS = 500


class TranslationServicer(translation_pb2_grpc.TranslationServiceServicer):
    def __init__(self, store: Translations) -> None:
        self._store = store

    async def GetTranslations(
        self, request: translation_pb2.GetTranslationsRequest,
        context: grpc.aio.ServicerContext,
    ) -> translation_pb2.GetTranslationsResponse:
        if len(request.keys) > MAX_KEYS:
            raise InvalidArgument(f"at most {MAX_KEYS} keys per call", field="keys")
        keys = []
        for key in request.keys:
            require_id(key.content_id, field="content_id")
            if not is_language_code(key.target):
                raise InvalidArgument("target must be a language code", field="target")
            keys.append((key.content_id, key.target))
        found = await self._store.find(keys)
        out = []
        for content_id, target in keys:
            doc = found.get((content_id, target))
            if doc is None:
                out.append(translation_pb2.Translation(content_id=content_id, target=target))
                continue
            out.append(translation_pb2.Translation(
                content_id=content_id, target=target, found=True, text=doc["text"],
                source_language=doc["source_language"], revision=doc["revision"],
                machine=doc["machine"], human_verified=doc["human_verified"],
                provider=doc["provider"]))
        return translation_pb2.GetTranslationsResponse(translations=out)
