"""Glossary terms for providers with no glossary of their own (LibreTranslate).

Each occurrence of a term becomes an empty `<x g="N"/>` element the provider carries
through untouched; on the way back it is restored as the term itself (do-not-translate)
or as its fixed translation. A provider that drops one is answering wrongly.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from xml.sax.saxutils import escape

from services.translation import terms
from services.translation.providers.base import Glossary
from services.translation.providers.errors import MalformedResponse

_MARK = re.compile(r'<x g="(\d+)"\s*/>')


def _replacer(found: list[str]) -> Callable[[re.Match[str]], str]:
    return lambda match: found[int(match.group(1))]


def shield(provider: str, texts: list[str], glossary: Glossary
           ) -> tuple[list[str], Callable[[list[str]], list[str]]]:
    """The texts with their glossary terms replaced, and the function that restores them."""
    pattern = terms.pattern({*glossary.keep, *glossary.fixed})
    if pattern is None:
        return texts, lambda translated: translated
    fixed = {escape(term).casefold(): escape(value) for term, value in glossary.fixed.items()}
    replacements: list[list[str]] = []

    def shielded(text: str) -> str:
        found: list[str] = []

        def mark(match: re.Match[str]) -> str:
            found.append(fixed.get(match.group(0).casefold(), match.group(0)))
            return f'<x g="{len(found) - 1}"/>'

        out = pattern.sub(mark, text)
        replacements.append(found)
        return out

    sent = [shielded(text) for text in texts]

    def restore(translated: list[str]) -> list[str]:
        restored = []
        for text, found in zip(translated, replacements, strict=True):
            marks = [int(index) for index in _MARK.findall(text)]
            if sorted(marks) != list(range(len(found))):
                raise MalformedResponse(provider, "a glossary placeholder was lost or altered")
            restored.append(_MARK.sub(_replacer(found), text))
        return restored

    return sent, restore
