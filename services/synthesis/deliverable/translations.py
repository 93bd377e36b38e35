"""Posts' texts in the deliverable's language, asked of the translation service.

The translation service serves, per (post, language), the winning translation: a
person's correction (`human_verified`) over the machine's. A translation is used only
when it is of the post's current revision: one of an older text would put words in a
participant's mouth they no longer stand by. When the service does not answer the
deliverable is written with the originals (logged): a generation never fails for it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import grpc

from agora.v1 import translation_pb2, translation_pb2_grpc
from agora_kit.grpc_interceptors import client_channel

BATCH = 500  # GetTranslations' limit of keys per call
RPC_TIMEOUT_SECONDS = 5.0
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Wanted:
    """A post whose text the deliverable shows: its id, language and current revision."""
    post_id: str
    language: str
    revision: int


@dataclass(frozen=True)
class Served:
    """A translation of a post's current revision into the deliverable's language."""
    text: str
    machine: bool
    human_verified: bool


class Translations:
    def __init__(self, translation_addr: str) -> None:
        self._addr = translation_addr
        self._stub: translation_pb2_grpc.TranslationServiceStub | None = None

    def _translation(self) -> translation_pb2_grpc.TranslationServiceStub:
        if self._stub is None:
            self._stub = translation_pb2_grpc.TranslationServiceStub(
                client_channel(self._addr, service="synthesis"))
        return self._stub

    async def into(self, language: str, posts: Sequence[Wanted]) -> dict[str, Served]:
        """The translations into `language` of those posts not written in it, by post id;
        a post without a translation of its current revision is not in it (its original
        is shown). Empty when the translation service does not answer."""
        wanted = list({p.post_id: p for p in posts
                       if language and p.language != language}.values())
        found: dict[str, Served] = {}
        for start in range(0, len(wanted), BATCH):
            batch = wanted[start:start + BATCH]
            try:
                reply = await self._translation().GetTranslations(
                    translation_pb2.GetTranslationsRequest(keys=[
                        translation_pb2.TranslationKey(content_id=p.post_id, target=language)
                        for p in batch]), timeout=RPC_TIMEOUT_SECONDS)
            except grpc.aio.AioRpcError as error:
                log.warning("translations unavailable; the deliverable shows originals",
                            extra={"error": error.code().name, "language": language,
                                   "posts": len(wanted)})
                return {}
            for post, t in zip(batch, reply.translations, strict=False):
                if t.found and t.revision == post.revision and t.text.strip():
                    found[post.post_id] = Served(text=t.text, machine=t.machine,
                                                 human_verified=t.human_verified)
        return found
