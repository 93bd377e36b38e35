"""Anchoring a passage in a post's text the way the W3C Web Annotation model does.

An anchor is a TextQuoteSelector (the exact words, with up to `CONTEXT` characters of
prefix and suffix) plus a TextPositionSelector (start and end, in code points of the
post's original text). When the post is edited, `relocate` finds the passage again:

1. the exact words, if they still occur: the occurrence whose prefix and suffix agree
   best with the old ones wins, then the one nearest the old position;
2. otherwise a fuzzy match (diff-match-patch's Bitap `match_main`, near the old
   position) of the passage's head and tail, kept only if the words found differ from
   the old ones by at most `MAX_CHANGE` of their length (a corrected typo re-anchors; a
   rewritten sentence does not);
3. otherwise nothing: the caller marks the extract orphaned. An anchor never silently
   moves onto other words.
"""

from __future__ import annotations

from dataclasses import dataclass

from diff_match_patch import diff_match_patch

from agora_kit.errors import InvalidArgument
from agora_kit.types import Document

CONTEXT = 32
MAX_CHANGE = 0.2
_BITS = 32  # diff-match-patch's Match_MaxBits: the longest pattern match_main takes


@dataclass(frozen=True)
class Anchor:
    exact: str
    prefix: str
    suffix: str
    start: int
    end: int

    def document(self) -> Document:
        return {"exact": self.exact, "prefix": self.prefix, "suffix": self.suffix,
                "start": self.start, "end": self.end}

    @classmethod
    def of(cls, document: Document) -> Anchor:
        return cls(document["exact"], document["prefix"], document["suffix"],
                   document["start"], document["end"])


def select(text: str, start: int, end: int) -> Anchor:
    """The anchor of text[start:end]; InvalidArgument for a selection that is not one."""
    if start < 0 or start > len(text):
        raise InvalidArgument(f"start must be between 0 and {len(text)} (the post's length)",
                              field="start")
    if end <= start or end > len(text):
        raise InvalidArgument(f"end must be after start and at most {len(text)} (the post's "
                              "length)", field="end")
    if not text[start:end].strip():
        raise InvalidArgument("the selection is empty or only whitespace", field="start")
    return _at(text, start, end)


def _at(text: str, start: int, end: int) -> Anchor:
    return Anchor(text[start:end], text[max(0, start - CONTEXT):start],
                  text[end:end + CONTEXT], start, end)


def relocate(anchor: Anchor, text: str) -> Anchor | None:
    """The anchor on the new text, or None when the passage is gone."""
    found = _exact(anchor, text)
    if found is not None:
        return found
    return _fuzzy(anchor, text)


def _exact(anchor: Anchor, text: str) -> Anchor | None:
    candidates: list[tuple[int, int, int]] = []
    at = text.find(anchor.exact)
    while at != -1:
        candidate = _at(text, at, at + len(anchor.exact))
        agreement = (_common_suffix(candidate.prefix, anchor.prefix)
                     + _common_prefix(candidate.suffix, anchor.suffix))
        candidates.append((-agreement, abs(at - anchor.start), at))
        at = text.find(anchor.exact, at + 1)
    if not candidates:
        return None
    best = min(candidates)[2]
    return _at(text, best, best + len(anchor.exact))


def _fuzzy(anchor: Anchor, text: str) -> Anchor | None:
    dmp = diff_match_patch()
    dmp.Match_Distance = max(1000, len(text))
    dmp.Match_Threshold = 0.4
    start = dmp.match_main(text, anchor.exact[:_BITS], min(anchor.start, len(text)))
    if start == -1:
        return None
    # Where the passage ends: its last character, carried through the diff between the
    # old words and the new text from `start` on (with room for words grown longer).
    window = text[start:start + 2 * len(anchor.exact) + CONTEXT]
    diffs = dmp.diff_main(anchor.exact, window)
    end = start + dmp.diff_xIndex(diffs, len(anchor.exact) - 1) + 1
    found = text[start:end]
    if not found.strip():
        return None
    changed = dmp.diff_levenshtein(dmp.diff_main(anchor.exact, found))
    if changed > MAX_CHANGE * len(anchor.exact):
        return None
    return _at(text, start, end)


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _common_suffix(a: str, b: str) -> int:
    return _common_prefix(a[::-1], b[::-1])
