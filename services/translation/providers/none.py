"""No machine translation: readers get the original, and the pipeline never calls this."""

from __future__ import annotations

from services.translation.providers.base import Glossary, Limits
from services.translation.providers.errors import TranslationDisabled


class NoProvider:
    name = "none"
    limits = Limits(max_segments=1, max_chars=1)

    async def translate(
        self, texts: list[str], source: str, target: str, glossary: Glossary
    ) -> list[str]:
        raise TranslationDisabled(self.name, "machine translation is off in this deployment")

    async def aclose(self) -> None:
        return None
