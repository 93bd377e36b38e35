"""LibreTranslate (self-hosted): POST /translate with `q` as a list, `format=html`.

It has no glossaries, so terms are shielded client-side (shield.py). Its limits are the
server's own (`--char-limit`, `--batch-limit`) and are configured to match.
"""

from __future__ import annotations

from typing import Any

import httpx

from services.translation.providers import http
from services.translation.providers.base import Glossary, Limits
from services.translation.providers.errors import MalformedResponse
from services.translation.providers.shield import shield


class LibreTranslate:
    name = "libretranslate"

    def __init__(self, url: str, *, api_key: str | None, limits: Limits,
                 timeout: float) -> None:
        self.limits = limits
        self._url = url.rstrip("/") + "/translate"
        self._api_key = api_key
        self._client = httpx.AsyncClient(timeout=timeout)

    async def translate(
        self, texts: list[str], source: str, target: str, glossary: Glossary
    ) -> list[str]:
        sent, restore = shield(self.name, texts, glossary)
        body: dict[str, Any] = {"q": sent, "source": source, "target": target,
                                "format": "html"}
        if self._api_key:
            body["api_key"] = self._api_key
        response = await http.post(self._client, self.name, self._url, json=body)
        http.raise_for_status(self.name, response, http.error_message(response, "error"))
        answer = http.json_body(self.name, response)
        if not isinstance(answer, dict) or "translatedText" not in answer:
            raise MalformedResponse(self.name, "no translatedText in the answer")
        return restore(http.string_list(self.name, answer["translatedText"], len(texts)))

    async def aclose(self) -> None:
        await self._client.aclose()
