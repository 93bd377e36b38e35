"""Content in the reader's language: which language a request reads, and the posts in it.

DESIGN §3 and README "Translation": a post is written in one language and translated
by the translation service into the consultation's others. A read asks for a language
with `?lang=` (else `Accept-Language`); `?original=true` asks for the originals. Only
the consultation's languages are served: any other, like none at all, reads the
originals, never an error (a malformed `?lang=` is a 422, as any malformed parameter).

Each post keeps saying what it is: `language` is the language of `body` as served,
`original_language` the one it was written in, `translated` whether `body` is a
translation (then `machine` / `human_verified` say whose). A translation not stored
yet, of an older revision than the post's, or unreadable because the translation
service is down or slow, leaves the original in place with `translated: false`: the
page never fails and never waits for one. One `GetTranslations` call per page, and the
translated Markdown is rendered by the same renderer as the original (agora_kit
rendering: same sanitiser).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

import grpc
from prometheus_client import Counter

from agora.v1 import threads_pb2, translation_pb2
from agora_kit.rendering import render_body
from services.gateway.clients import ServiceClients
from services.gateway.languages import requested
from services.gateway.schemas import FORMAT_TO_PROTO, PostPublic

log = logging.getLogger(__name__)
# A page waits at most this long for its translations, then serves the originals.
TRANSLATION_DEADLINE_SECONDS = 0.5
LANGUAGES_SECONDS = 60.0  # a consultation's languages change rarely (an edit of it)
SERVED = Counter("agora_gateway_translated_texts_total",
                 "Texts asked in another language than their own, by what was served "
                 "(translated; original: not translated yet; unavailable: the "
                 "translation service did not answer).", ["outcome"])
for _outcome in ("translated", "original", "unavailable"):
    SERVED.labels(_outcome)


class ConsultationLanguages:
    """A consultation's languages, remembered in this process for a minute."""

    def __init__(self, clients: ServiceClients, *, ttl: float = LANGUAGES_SECONDS) -> None:
        self._clients = clients
        self._ttl = ttl
        self._known: dict[str, tuple[list[str], float]] = {}

    async def of(self, consultation_id: str) -> list[str]:
        """Its languages; none (read the originals) when threads cannot tell."""
        now = time.monotonic()
        known = self._known.get(consultation_id)
        if known is not None and now - known[1] < self._ttl:
            return known[0]
        try:
            consultation = await self._clients.threads.GetConsultation(
                threads_pb2.GetConsultationRequest(consultation_id=consultation_id),
                timeout=self._clients.timeout)
        except grpc.aio.AioRpcError:
            return []
        if len(self._known) > 10_000:
            self._known.clear()
        languages = list(consultation.languages)
        self._known[consultation_id] = (languages, now)
        return languages


async def reading_language(languages: ConsultationLanguages, consultation_id: str, *,
                           lang: str | None, accept_language: str | None,
                           original: bool) -> str:
    """The language to serve texts of the consultation in; "" for the originals."""
    if original or not consultation_id or not (lang or accept_language):
        return ""
    found = requested(await languages.of(consultation_id), lang=lang,
                      accept_language=accept_language)
    return found or ""


def as_written(post: dict[str, Any]) -> None:
    """Mark a post's JSON as its original (what every post says before translation)."""
    post.setdefault("original_language", post["language"])
    post.update(translated=False, machine=False, human_verified=False)


async def translate_posts(clients: ServiceClients, posts: Sequence[dict[str, Any]],
                          language: str) -> bool:
    """Put each visible post's translation into `language` in place of its text, in one
    call; the posts it has none of keep their text (and say so). False when the
    translation service did not answer (the originals are served: not worth caching)."""
    for post in posts:
        as_written(post)
    # Posts apparently in `language` too: the translation service knows their source
    # language as corrected by its author, which threads' `language` does not follow.
    wanted = [p for p in posts if language and p["status"] == "visible" and p["body"]]
    if not wanted:
        return True
    try:
        reply = await clients.translation.GetTranslations(
            translation_pb2.GetTranslationsRequest(keys=[
                translation_pb2.TranslationKey(content_id=p["id"], target=language)
                for p in wanted]), timeout=TRANSLATION_DEADLINE_SECONDS)
    except grpc.aio.AioRpcError as error:
        log.warning("translations unavailable; serving originals",
                    extra={"error": error.code().name})
        SERVED.labels("unavailable").inc(len(wanted))
        return False
    for post, found in zip(wanted, reply.translations, strict=False):
        if not found.found or found.revision != post["revision"]:
            if post["original_language"] != language:
                SERVED.labels("original").inc()
            continue
        SERVED.labels("translated").inc()
        post.update(body=found.text,
                    body_html=render_body(found.text, FORMAT_TO_PROTO[post["format"]]),
                    language=language, translated=True, machine=found.machine,
                    human_verified=found.human_verified,
                    original_language=found.source_language or post["original_language"])
    return True


async def translated_post(clients: ServiceClients, post: PostPublic,
                          language: str) -> PostPublic:
    """One post in `language` (see `translate_posts`)."""
    data = post.model_dump(mode="json")
    await translate_posts(clients, [data], language)
    return PostPublic.model_validate(data)
