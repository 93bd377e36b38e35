"""An OpenAI-compatible chat-completions endpoint (vLLM, Ollama, a hosted API).

A fixed system prompt carries the language pair, the markup rule and the glossary; the
segments go as a JSON array and must come back as `{"translations": [...]}`, one string
per segment, in order. A 429 whose error code is `insufficient_quota` is the account's
quota, not a rate limit.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from services.translation.providers import http
from services.translation.providers.base import Glossary, Limits
from services.translation.providers.errors import MalformedResponse, QuotaExceeded

PROMPT = """You are a translation engine. The user message is a JSON array of strings \
written in {source}. Translate each string into {target}. Answer with only a JSON object \
{{"translations": [...]}} holding exactly one translated string per input string, in the \
same order. Keep every <x .../> element exactly as written, keep Markdown, URLs and \
@mentions unchanged, keep the escapes &amp; &lt; &gt; as they are, and add nothing."""


def prompt(source: str, target: str, glossary: Glossary) -> str:
    """The fixed prompt, with the glossary's terms when it has any."""
    lines = [PROMPT.format(source=source, target=target)]
    if glossary.keep:
        lines.append("Never translate these terms: "
                     + "; ".join(sorted(glossary.keep)) + ".")
    if glossary.fixed:
        lines.append("Always translate these terms exactly so: " + "; ".join(
            f"{term} -> {value}" for term, value in sorted(glossary.fixed.items())) + ".")
    return "\n".join(lines)


def _content(provider: str, answer: Any) -> str:
    try:
        content = answer["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError) as exc:
        raise MalformedResponse(provider, "no choices[0].message.content") from exc
    if not isinstance(content, str):
        raise MalformedResponse(provider, "the message content is not text")
    content = content.strip()
    if content.startswith("```"):  # a model that fences its JSON anyway
        content = content.strip("`").removeprefix("json").strip()
    return content


class OpenAIChat:
    name = "openai"

    def __init__(self, url: str, *, api_key: str | None, model: str, limits: Limits,
                 timeout: float) -> None:
        self.limits = limits
        self._url = url.rstrip("/") + "/chat/completions"
        self._model = model
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.AsyncClient(timeout=timeout, headers=headers)

    async def translate(
        self, texts: list[str], source: str, target: str, glossary: Glossary
    ) -> list[str]:
        body = {"model": self._model, "temperature": 0,
                "response_format": {"type": "json_object"},
                "messages": [
                    {"role": "system", "content": prompt(source, target, glossary)},
                    {"role": "user", "content": json.dumps(texts, ensure_ascii=False)}]}
        response = await http.post(self._client, self.name, self._url, json=body)
        message = http.error_message(response, "error", "message")
        if response.status_code == 429 and http.error_message(
                response, "error", "code") == "insufficient_quota":
            raise QuotaExceeded(self.name, f"HTTP 429: {message}"[:300])
        http.raise_for_status(self.name, response, message)
        content = _content(self.name, http.json_body(self.name, response))
        try:
            parsed = json.loads(content)
        except json.JSONDecodeError as exc:
            raise MalformedResponse(self.name, "the model did not answer JSON") from exc
        if not isinstance(parsed, dict):
            raise MalformedResponse(self.name, "the model's JSON is not an object")
        return http.string_list(self.name, parsed.get("translations"), len(texts))

    async def aclose(self) -> None:
        await self._client.aclose()
