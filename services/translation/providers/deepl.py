"""DeepL: POST /v2/translate with a `text` list and `DeepL-Auth-Key` authorisation.

Free keys (ending in `:fx`) go to api-free.deepl.com, others to api.deepl.com. Glossary
terms go through DeepL's own glossaries (POST /v2/glossaries, one per glossary version and
language pair, created once and remembered); do-not-translate terms are entries mapping a
term to itself. 456 is DeepL's "quota exceeded".
"""

from __future__ import annotations

from typing import Any

import httpx

from services.translation.providers import http
from services.translation.providers.base import Glossary, Limits
from services.translation.providers.errors import MalformedResponse, QuotaExceeded

FREE_URL = "https://api-free.deepl.com"
PRO_URL = "https://api.deepl.com"
# DeepL refuses the bare EN and PT as targets; these are the variants it is asked for.
TARGET_VARIANTS = {"en": "EN-GB", "pt": "PT-PT"}
# 50 texts per request; the request body may not exceed 128 KiB (4 bytes per character
# at worst, plus the JSON around them).
LIMITS = Limits(max_segments=50, max_chars=30_000)


def endpoint(api_key: str, url: str | None) -> str:
    """The configured URL, else the free or pro API as the key says."""
    return (url or (FREE_URL if api_key.endswith(":fx") else PRO_URL)).rstrip("/")


class DeepL:
    name = "deepl"
    limits = LIMITS

    def __init__(self, api_key: str, *, url: str | None, formality: str,
                 timeout: float) -> None:
        self._base = endpoint(api_key, url)
        self._formality = formality
        self._client = httpx.AsyncClient(
            timeout=timeout, headers={"Authorization": f"DeepL-Auth-Key {api_key}"})
        self._glossaries: dict[tuple[str, str, str], str] = {}

    async def translate(
        self, texts: list[str], source: str, target: str, glossary: Glossary
    ) -> list[str]:
        body: dict[str, Any] = {
            "text": texts, "source_lang": source.upper(),
            "target_lang": TARGET_VARIANTS.get(target, target.upper()),
            "tag_handling": "xml", "ignore_tags": ["x"]}
        if self._formality != "default":
            body["formality"] = self._formality
        if not glossary.empty:
            body["glossary_id"] = await self._glossary_id(glossary, source, target)
        answer = await self._call("/v2/translate", body)
        items = answer.get("translations") if isinstance(answer, dict) else None
        if not isinstance(items, list) or not all(
                isinstance(item, dict) for item in items):
            raise MalformedResponse(self.name, "no translations list in the answer")
        return http.string_list(self.name, [item.get("text") for item in items], len(texts))

    async def _glossary_id(self, glossary: Glossary, source: str, target: str) -> str:
        key = (glossary.version, source, target)
        if key not in self._glossaries:
            entries = {term: term for term in glossary.keep} | dict(glossary.fixed)
            tsv = "\n".join(f"{term}\t{value}" for term, value in sorted(entries.items()))
            answer = await self._call("/v2/glossaries", {
                "name": f"agora {glossary.version} {source}-{target}",
                "source_lang": source, "target_lang": target,
                "entries": tsv, "entries_format": "tsv"})
            glossary_id = answer.get("glossary_id") if isinstance(answer, dict) else None
            if not isinstance(glossary_id, str):
                raise MalformedResponse(self.name, "no glossary_id for the new glossary")
            self._glossaries[key] = glossary_id
        return self._glossaries[key]

    async def _call(self, path: str, body: dict[str, Any]) -> Any:
        response = await http.post(self._client, self.name, self._base + path, json=body)
        message = http.error_message(response, "message")
        if response.status_code == 456:
            raise QuotaExceeded(self.name, f"HTTP 456: {message}"[:300])
        http.raise_for_status(self.name, response, message)
        return http.json_body(self.name, response)

    async def aclose(self) -> None:
        await self._client.aclose()
