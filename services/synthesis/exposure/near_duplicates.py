"""Near-duplicate texts, for keeping two versions of one statement out of one batch.

Word 3-shingles of the case-folded, accent-kept text, compared by Jaccard similarity: a
repost with a changed word or punctuation still shares most shingles, two different
statements on one subject share few. Short texts (under three words) compare as their
whole word set.
"""

from __future__ import annotations

import re

WORD = re.compile(r"\w+", re.UNICODE)
SIMILAR = 0.6


def shingles(text: str, size: int = 3) -> frozenset[str]:
    words = WORD.findall(text.casefold())
    if len(words) < size:
        return frozenset(words)
    return frozenset(" ".join(words[i:i + size]) for i in range(len(words) - size + 1))


def similar(a: frozenset[str], b: frozenset[str], threshold: float = SIMILAR) -> bool:
    if not a or not b:
        return False
    return len(a & b) / len(a | b) >= threshold
