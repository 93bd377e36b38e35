"""Ideas and published synthesis versions in the reader's language (README "Reading in
one's language"), from the translations of their texts (agora_kit/translation_keys.py)
in one `GetTranslations` call per answer, as posts are read (reading.py).

A *unit* is what says `language`, `original_language`, `translated`, `machine`,
`human_verified`: an idea (its title and description together: it is translated only
when all its texts are, never half), a version's title, each of its paragraphs. A unit
not translated yet stays as written with `translated: false`; its `original_language` is
what the translation service detected (None while it has not recorded it, or when no
language is asked: the synthesis service does not store one).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import grpc
from pydantic import BaseModel

from agora.v1 import threads_pb2, translation_pb2
from agora_kit.rendering import render_body
from agora_kit.translation_keys import idea_key, paragraph_key, version_title_key
from services.gateway.clients import ServiceClients
from services.gateway.reading import SERVED, TRANSLATION_DEADLINE_SECONDS
from services.gateway.reads.synthesis import Untranslated

M = TypeVar("M", bound=BaseModel)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Unit:
    """One JSON object to translate in place: its fields and their content ids."""

    data: dict[str, Any]
    fields: tuple[tuple[str, str], ...]  # (JSON field, content id)
    html: str = ""  # a field to render from the translated Markdown ("": none)
    revision: int = 1  # the texts' current revision: an older one's translation is stale


def as_written(data: dict[str, Any]) -> None:
    data.update(language=None, original_language=None, translated=False, machine=False,
                human_verified=False)


def page_units(page: dict[str, Any]) -> list[Unit]:
    return idea_units(page["items"])


def one_idea_units(idea: dict[str, Any]) -> list[Unit]:
    return idea_units([idea])


def idea_units(ideas: list[dict[str, Any]]) -> list[Unit]:
    return [Unit(idea, tuple((field, idea_key(idea["id"], field))
                             for field in ("title", "description") if idea[field]),
                 revision=idea["revision"]) for idea in ideas]


def synthesis_units(synthesis: dict[str, Any]) -> list[Unit]:
    """A synthesis's title is its published versions' (it never changes): read as the
    latest version's title; one never published, and the draft, stay as written."""
    number = synthesis["latest_version"]
    return [Unit(synthesis, (("title", version_title_key(synthesis["id"], number)),))
            ] if number else []


def syntheses_page_units(page: dict[str, Any]) -> list[Unit]:
    return [unit for synthesis in page["items"] for unit in synthesis_units(synthesis)]


def version_units(version: dict[str, Any]) -> list[Unit]:
    sid, number = version["synthesis_id"], version["number"]
    return [Unit(version, (("title", version_title_key(sid, number)),))] + [
        Unit(p, (("text", paragraph_key(sid, number, p["anchor"])),), html="html")
        for p in version["paragraphs"] if p["anchor"]]


async def translate_units(clients: ServiceClients, units: list[Unit], language: str) -> bool:
    """Each unit in `language` where all its texts are translated, as written otherwise.
    False when the translation service did not answer (originals: not worth caching)."""
    for unit in units:
        as_written(unit.data)
    keys = [key for unit in units for _, key in unit.fields]
    if not language or not keys:
        return True
    try:
        reply = await clients.translation.GetTranslations(
            translation_pb2.GetTranslationsRequest(keys=[
                translation_pb2.TranslationKey(content_id=key, target=language)
                for key in keys]), timeout=TRANSLATION_DEADLINE_SECONDS)
    except grpc.aio.AioRpcError as error:
        log.warning("translations unavailable; serving originals",
                    extra={"error": error.code().name})
        SERVED.labels("unavailable").inc(len(units))
        return False
    found = {t.content_id: t for t in reply.translations}
    for unit in units:
        texts = [found.get(key) for _, key in unit.fields]
        original = next((t.source_language for t in texts if t and t.source_language), None)
        unit.data.update(original_language=original, language=original)
        if not texts or not all(t is not None and t.found and t.revision == unit.revision
                                for t in texts):
            if original != language:
                SERVED.labels("original").inc()
            continue
        SERVED.labels("translated").inc()
        for (field, _), text in zip(unit.fields, texts, strict=True):
            assert text is not None
            unit.data[field] = text.text
            if unit.html:
                unit.data[unit.html] = render_body(text.text, threads_pb2.POST_FORMAT_MARKDOWN)
        unit.data.update(language=language, translated=True,
                         machine=all(t is not None and t.machine for t in texts),
                         human_verified=all(t is not None and t.human_verified for t in texts))
    return True


async def translated(clients: ServiceClients, model: M,
                     units: Callable[[dict[str, Any]], list[Unit]],
                     language: str) -> M | Untranslated:
    """`model` read in `language` (its units as `units` finds them in its JSON); wrapped
    in Untranslated when the translations could not be read."""
    data = model.model_dump(mode="json")
    complete = await translate_units(clients, units(data), language)
    read = type(model).model_validate(data)
    return read if complete else Untranslated(read)


VARY = {"Vary": "Accept-Language"}
