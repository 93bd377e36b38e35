"""Markdown that must survive translation, replaced by placeholders and put back.

Code (fenced blocks and inline spans), a synthesis's citations (`[idea:<id>]`,
`[extract:<id>]`), link and image targets, autolinks and bare URLs,
@mentions and each line's block markers (headings, quotes, list bullets) are cut out and
replaced by empty `<x i="N"/>` elements; the prose between them is XML-escaped, which is
what every provider client is told to expect (providers/base.py). A translation that loses,
duplicates or invents a placeholder is refused rather than shown with a hole in it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape
from xml.sax.saxutils import escape

from services.translation.providers.errors import MalformedResponse

_PROTECTED = re.compile(
    r"(?P<fence>^[ \t]*(?P<f>`{3,}|~{3,})[^\n]*\n.*?^[ \t]*(?P=f)[ \t]*$)"  # fenced code
    r"|(?P<code>(?P<t>`+).+?(?P=t))"                               # inline code
    r"|(?P<cite>\[(?:idea|extract):[^\]\s]*\])"                    # [idea:<id>] citations
    r"|(?P<target>\]\([^)\s]*(?:\s+\"[^\"]*\")?\))"                # ](url "title")
    r"|(?P<ref>\]\[[^\]]*\])"                                      # ][reference]
    r"|(?P<autolink><(?:https?|mailto):[^>\s]+>)"                  # <https://…>
    r"|(?P<url>\bhttps?://[^\s<>()\[\]]+[^\s<>()\[\].,;:!?'\"])"    # bare URLs
    r"|(?P<mention>(?<![\w@])@[\w.-]*\w)"                          # @mentions
    r"|(?P<block>^[ \t]*(?:(?:#{1,6}|>|[-*+]|\d{1,9}[.)])[ \t]+)+)",  # line markers
    re.MULTILINE | re.DOTALL,
)
PLACEHOLDER = re.compile(r'<x i="(\d+)"/>')


@dataclass(frozen=True)
class Protected:
    """A text ready for a provider: escaped prose and placeholders, and what they hide."""

    text: str
    spans: tuple[str, ...]

    def restore(self, translated: str, *, provider: str) -> str:
        """The translated text with its spans back and the prose unescaped."""
        found = [int(index) for index in PLACEHOLDER.findall(translated)]
        if sorted(found) != list(range(len(self.spans))):
            raise MalformedResponse(provider, "a protected span was lost or altered")
        parts = PLACEHOLDER.split(translated)
        out = []
        for position, part in enumerate(parts):
            out.append(self.spans[int(part)] if position % 2 else unescape(part))
        return "".join(out)


def protect(text: str) -> Protected:
    spans: list[str] = []
    out: list[str] = []
    last = 0
    for match in _PROTECTED.finditer(text):
        out.append(escape(text[last:match.start()]))
        spans.append(match.group(0))
        out.append(f'<x i="{len(spans) - 1}"/>')
        last = match.end()
    out.append(escape(text[last:]))
    return Protected("".join(out), tuple(spans))


def translatable(segment: str) -> bool:
    """Whether a protected segment has any words left to translate (not only markup,
    digits, punctuation, emoji or invisible characters)."""
    return any(char.isalpha() for char in PLACEHOLDER.sub("", segment))
