"""Which of a consultation's languages a text is written in, offline, with lingua.

Shared plumbing rather than a service's own code because two services need it and no
service imports another: threads detects a post's language when its author gave none,
and the translation service will detect every other text with the same function.

The choice is restricted to the consultation's languages (those lingua knows; a language
it does not know is never detected). When no candidate gets at least `MIN_CONFIDENCE`
of lingua's confidence, or the text has fewer than `MIN_LETTERS` letters, the answer is
`und` (BCP 47 "undetermined") rather than a guess: storing the consultation's first
language for "Who would pay for it?" is what this replaced.

Cost (measured, lingua 2.1.1 in high-accuracy mode, the one that handles short texts):
a detector is built in microseconds and cached per set of languages; the language models
load at the first detection that needs them, once per process and shared by every
detector, about 0.25 s and 20-40 MB per language (en+fr: 0.5 s, +85 MB RSS; five
languages: 1.2 s, +140 MB). The binding holds the GIL while loading, so that first
detection stalls the process's event loop that long; afterwards a post takes well under
a millisecond. Only processes that call `detect` pay any of it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from lingua import IsoCode639_1, IsoCode639_3, Language, LanguageDetector, LanguageDetectorBuilder

UNDETERMINED = "und"
MIN_CONFIDENCE = 0.5
MIN_LETTERS = 3
MAX_CHARS = 2000  # enough to decide; a long text costs no more than its start
URL = re.compile(r"https?://\S+")  # links say nothing of the writer's language


@dataclass(frozen=True)
class Detection:
    """`language` is one of the candidates' codes, as given, or `und`; `confidence` is
    lingua's (0-1) for it, 0.0 for `und`."""

    language: str
    confidence: float


def lingua_language(code: str) -> Language | None:
    """The lingua language of a BCP 47 code ('pt-BR' -> Portuguese), None if unknown."""
    primary = code.split("-", 1)[0].lower()
    try:
        if len(primary) == 2:
            return Language.from_iso_code_639_1(IsoCode639_1.from_str(primary))
        return Language.from_iso_code_639_3(IsoCode639_3.from_str(primary))
    except ValueError:
        return None


@lru_cache(maxsize=64)
def _detector(languages: frozenset[Language]) -> LanguageDetector:
    return LanguageDetectorBuilder.from_languages(*languages).build()


def detect(text: str, languages: Sequence[str]) -> Detection:
    """The language of text among `languages` (BCP 47 codes, as the consultation has them)."""
    candidates: dict[Language, str] = {}
    for code in languages:  # two regions of one language: the first listed stands for both
        language = lingua_language(code)
        if language is not None:
            candidates.setdefault(language, code)
    sample = URL.sub(" ", text[:MAX_CHARS])
    if not candidates or sum(c.isalpha() for c in sample) < MIN_LETTERS:
        return Detection(UNDETERMINED, 0.0)
    values = _detector(frozenset(candidates)).compute_language_confidence_values(sample)
    if not values or values[0].value < MIN_CONFIDENCE:
        return Detection(UNDETERMINED, 0.0)
    return Detection(candidates[values[0].language], round(values[0].value, 3))
