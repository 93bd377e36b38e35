"""Where a glossary's terms occur in a text: one matching rule for the client-side shield
(shield.py), the cache (a segment's glossary version is that of the terms it contains) and
re-translation after a new glossary version (the texts containing a changed term).

Texts here are protected (protect.py): prose XML-escaped, code and links already cut out,
so terms are matched escaped, case-insensitively, as whole words.
"""

from __future__ import annotations

import hashlib
import re
from xml.sax.saxutils import escape

from services.translation.providers.base import Glossary

# The cache version of a segment no glossary term occurs in, whatever the glossary.
NO_TERMS = "0"


def pattern(terms: set[str] | frozenset[str]) -> re.Pattern[str] | None:
    ordered = sorted(terms, key=len, reverse=True)
    if not ordered:
        return None
    alternatives = "|".join(re.escape(escape(term)) for term in ordered)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


# How a do-not-translate term is rendered: as the text writes it, whatever its case.
KEPT = "\x00kept"


def entries(glossary: Glossary) -> set[tuple[str, str]]:
    """(case-folded term, how it is rendered) for each term."""
    return ({(term.casefold(), KEPT) for term in glossary.keep}
            | {(term.casefold(), value) for term, value in glossary.fixed.items()})


def occurring(glossary: Glossary, text: str) -> set[tuple[str, str]]:
    found = pattern({*glossary.keep, *glossary.fixed})
    if found is None:
        return set()
    present = {match.group(0).casefold() for match in found.finditer(text)}
    return {entry for entry in entries(glossary) if entry[0] in present}


def segment_version(glossary: Glossary, text: str) -> str:
    """The glossary version a segment's cache entry is keyed by: a digest of the entries
    occurring in it, so a new glossary version invalidates only segments whose terms
    changed (and a segment with no term shares one entry across all versions)."""
    present = occurring(glossary, text)
    if not present:
        return NO_TERMS
    digest = hashlib.sha256(repr(sorted(present)).encode()).hexdigest()
    return f"g{digest[:16]}"


def changed(old: Glossary, new: Glossary) -> set[str]:
    """Terms (case-folded) added, removed or rendered differently between two versions."""
    return {term for term, _ in entries(old) ^ entries(new)}


def contains_any(terms: set[str], text: str) -> bool:
    found = pattern(terms)
    return found is not None and found.search(text) is not None
