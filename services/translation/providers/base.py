"""The interface every provider implements, and the glossary it must apply.

Texts handed to a provider are XML-safe: `&`, `<` and `>` of the prose are escaped and
protected spans (code, links, mentions, glossary terms) are empty `<x …/>` elements the
provider must return untouched. Each client tells its provider so in that provider's own
terms (LibreTranslate `format=html`, DeepL `tag_handling=xml`, a sentence in the prompt).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Glossary:
    """A consultation's terminology for one language pair, at one version."""

    version: str = "0"
    keep: frozenset[str] = frozenset()  # do-not-translate terms
    fixed: Mapping[str, str] = field(default_factory=dict)  # source term -> target term

    @property
    def empty(self) -> bool:
        return not self.keep and not self.fixed


NO_GLOSSARY = Glossary()


@dataclass(frozen=True)
class Limits:
    """What one provider call may carry; the pipeline batches and splits within it."""

    max_segments: int
    max_chars: int  # sum of the segments' characters in one call


class Provider(Protocol):
    name: str
    limits: Limits

    async def translate(
        self, texts: list[str], source: str, target: str, glossary: Glossary
    ) -> list[str]:
        """One translation per text, in order, or a `ProviderError`."""
        ...

    async def aclose(self) -> None: ...
