"""The reader's language: `?lang=`, else `Accept-Language`, among the languages offered.

DESIGN §3: translated content is chosen with `?lang=` / `Accept-Language`, the original
always available. A request names what it would like; the content offers some languages
(a consultation's, first one first); this picks one of those, never an error: an
unknown or unoffered language falls back, as a negotiation should (`preferred`: to the
first offered, for multilingual values; `requested`: to none, i.e. the original, for
content written in one language and translated).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Annotated

from fastapi import Header, Query

from services.gateway.schemas import Language

MAX_RANGES = 20
MAX_ACCEPT_LANGUAGE = 500  # characters; a longer header is a 422, like any oversized input
LangQuery = Annotated[Language | None, Query(
    description="The language to read in (else Accept-Language, else the first language).")]
AcceptLanguage = Annotated[str | None, Header(alias="Accept-Language",
                                              max_length=MAX_ACCEPT_LANGUAGE)]
# Content written in one language and translated (reading.py): an unoffered one reads the
# originals.
ReadLang = Annotated[Language | None, Query(
    alias="lang", description="Read the texts in this language of the consultation's (else "
    "Accept-Language's first of them); any other, or none, reads them as written.")]
Original = Annotated[bool, Query(
    description="true: the texts as written, whatever language is asked for.")]
# RFC 9110 §12.4.2: weight = OWS ";" OWS "q=" qvalue; qvalue = 0[.000] to 1[.000].
WEIGHT = re.compile(r"^\s*[qQ]\s*=\s*(0(\.[0-9]{0,3})?|1(\.0{0,3})?)\s*$")


def _ranges(header: str) -> list[str]:
    """The header's language ranges, most preferred first; q=0 means "not this one", and
    a range with an unreadable weight is left out (its content is never an error)."""
    weighted: list[tuple[float, int, str]] = []
    for position, item in enumerate(header.split(",")[:MAX_RANGES]):
        tag, _, params = item.strip().partition(";")
        q = 1.0
        if params:
            weight = WEIGHT.match(params)
            if weight is None:
                continue
            q = float(weight[1])
        if tag.strip() and q > 0:
            weighted.append((-q, position, tag.strip()))
    return [tag for _, _, tag in sorted(weighted)]


def _match(wanted: str, offered: Sequence[str]) -> str | None:
    """Exact (case-insensitive) first, then by primary subtag: fr-CH reads fr, pt pt-BR."""
    lowered = {language.lower(): language for language in offered}
    if wanted.lower() in lowered:
        return lowered[wanted.lower()]
    primary = wanted.split("-")[0].lower()
    return next((o for o in offered if o.split("-")[0].lower() == primary), None)


def requested(offered: Sequence[str], *, lang: str | None,
              accept_language: str | None) -> str | None:
    """The offered language the reader asks for (`lang` wins over the header), or None
    when they ask for none of them (`*` asks for none in particular)."""
    for wanted in ([lang] if lang else []) + _ranges(accept_language or ""):
        if wanted != "*" and (found := _match(wanted, offered)) is not None:
            return found
    return None


def preferred(offered: Sequence[str], *, lang: str | None, accept_language: str | None) -> str:
    """The offered language the reader prefers; the first offered when none matches."""
    found = requested(offered, lang=lang, accept_language=accept_language)
    return found if found is not None else (offered[0] if offered else "")


def text_in(texts: Mapping[str, str], language: str, fallback: str) -> str:
    """One text of a multilingual value: in language, else the fallback, else any."""
    return texts.get(language) or texts.get(fallback) or next(iter(texts.values()), "")
