"""Cutting a protected text into segments a provider accepts, and gluing them back.

Paragraphs (blank-line separated) are the natural unit; a paragraph over the provider's
per-call limit is cut at sentence ends, and a sentence still over it at a word boundary.
The separators are never sent, so the text's layout comes back exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PARAGRAPH = re.compile(r"(\n[ \t]*\n\s*)")
# After a sentence's final punctuation (Latin, Arabic, CJK, Devanagari) and its spaces.
_SENTENCE = re.compile(r"(?<=[.!?;\u061f\u06d4\u3002\uff01\uff1f\u0964])(\s+)")
_TOKEN = re.compile(r'<x [^>]*/>|\s+|[^\s<]+|<')


@dataclass(frozen=True)
class Split:
    """Alternating pieces: `pieces[0::2]` are segments, `pieces[1::2]` separators."""

    pieces: tuple[str, ...]

    @property
    def segments(self) -> list[str]:
        return list(self.pieces[0::2])

    def join(self, translated: list[str]) -> str:
        pieces = list(self.pieces)
        pieces[0::2] = translated
        return "".join(pieces)


def _words(text: str, limit: int) -> list[str]:
    """Word-boundary pieces of at most `limit` characters (a longer word stands alone)."""
    pieces: list[str] = []
    current = ""
    for token in _TOKEN.findall(text):
        if current and len(current) + len(token) > limit and not token.isspace():
            pieces.extend((current.rstrip(), current[len(current.rstrip()):]))
            current = ""
        current += token
    pieces.append(current)
    return pieces


def split(text: str, limit: int) -> Split:
    """Segments of at most `limit` characters wherever a boundary allows it."""
    pieces: list[str] = []
    for index, paragraph in enumerate(_PARAGRAPH.split(text)):
        if index % 2 or len(paragraph) <= limit:
            pieces.append(paragraph)
            continue
        for position, sentence in enumerate(_SENTENCE.split(paragraph)):
            if position % 2 or len(sentence) <= limit:
                pieces.append(sentence)
            else:
                pieces.extend(_words(sentence, limit))
    return Split(tuple(pieces))

