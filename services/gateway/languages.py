"""The reader's language: `?lang=`, else `Accept-Language`, else the content's first.

DESIGN §3: translated content is chosen with `?lang=` / `Accept-Language`, the original
always available. A request names what it would like; the content offers some languages
(a consultation's, first one first); this picks one of those, never an error: an
unknown or unoffered language falls back, as a negotiation should.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated

from fastapi import Header, Query

from services.gateway.schemas import Language

MAX_RANGES = 20
LangQuery = Annotated[Language | None, Query(
    description="The language to read in (else Accept-Language, else the first language).")]
AcceptLanguage = Annotated[str | None, Header(alias="Accept-Language", max_length=500)]


def _ranges(header: str) -> list[str]:
    """The header's language ranges, most preferred first (q=0 means "not this one")."""
    weighted: list[tuple[float, int, str]] = []
    for position, item in enumerate(header.split(",")[:MAX_RANGES]):
        tag, _, params = item.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                continue
        if tag and q > 0:
            weighted.append((-q, position, tag.strip()))
    return [tag for _, _, tag in sorted(weighted)]


def _match(wanted: str, offered: Sequence[str]) -> str | None:
    """Exact (case-insensitive) first, then by primary subtag: fr-CH reads fr, pt pt-BR."""
    lowered = {language.lower(): language for language in offered}
    if wanted.lower() in lowered:
        return lowered[wanted.lower()]
    primary = wanted.split("-")[0].lower()
    return next((o for o in offered if o.split("-")[0].lower() == primary), None)


def preferred(offered: Sequence[str], *, lang: str | None, accept_language: str | None) -> str:
    """The offered language the reader prefers; the first offered when none matches."""
    for wanted in ([lang] if lang else []) + _ranges(accept_language or ""):
        if wanted != "*" and (found := _match(wanted, offered)) is not None:
            return found
    return offered[0] if offered else ""


def text_in(texts: Mapping[str, str], language: str, fallback: str) -> str:
    """One text of a multilingual value: in language, else the fallback, else any."""
    return texts.get(language) or texts.get(fallback) or next(iter(texts.values()), "")
