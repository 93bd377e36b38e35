"""A local HTTP server speaking the three providers' documented protocols.

LibreTranslate (POST /translate, `q` list -> `translatedText` list, errors as
`{"error": …}`), DeepL (POST /v2/translate and /v2/glossaries, `DeepL-Auth-Key`,
`{"message": …}` errors, 456 for quota) and OpenAI chat completions
(POST /v1/chat/completions, `{"error": {"message", "code"}}`). Its "translation" upper-cases
the prose and leaves markup and entities alone, so a test sees what was translated and
what was carried through. Failures are queued (`fail`) or permanent (`fail_always`).
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

_MARKUP = re.compile(r"(<[^>]+>|&\w+;|&#\d+;)")


def fake_translate(text: str, target: str, entries: dict[str, str] | None = None) -> str:
    """Upper-case outside markup; DeepL's glossary entries win where they occur."""
    if entries:
        for term, value in entries.items():
            text = re.sub(re.escape(term), f"<g>{value}</g>", text, flags=re.IGNORECASE)
    parts = _MARKUP.split(text)
    out = "".join(part if _MARKUP.fullmatch(part) else part.upper() for part in parts)
    out = re.sub(r"<g>(.*?)</g>", lambda m: m.group(1).lower(), out)
    return f"[{target}] {out}" if out.strip() else out


def prompt_glossary(system: str) -> dict[str, str]:
    """The glossary an obedient model reads in the system prompt (openai_chat.prompt)."""
    entries: dict[str, str] = {}
    for line in system.splitlines():
        if line.startswith("Never translate these terms: "):
            terms = line.removeprefix("Never translate these terms: ").rstrip(".")
            entries.update({term: term for term in terms.split("; ")})
        if line.startswith("Always translate these terms exactly so: "):
            pairs = line.removeprefix("Always translate these terms exactly so: ").rstrip(".")
            for pair in pairs.split("; "):
                term, _, value = pair.partition(" -> ")
                entries[term] = value
    return entries


@dataclass
class Reply:
    status: int
    body: Any = None
    raw: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class FakeProvider:
    delay: float = 0.0
    record: bool = True  # False for the long-running stack server
    requests: list[tuple[str, dict[str, Any], dict[str, str]]] = field(default_factory=list)
    queued: list[Reply] = field(default_factory=list)
    always: Reply | None = None
    drop_last_segment: bool = False
    down_for: set[str] = field(default_factory=set)  # LibreTranslate targets answering 503
    glossaries: dict[str, dict[str, str]] = field(default_factory=dict)
    url: str = ""
    # Totals over all calls, served at GET /stats (the benchmark reads them).
    totals: dict[str, int] = field(default_factory=lambda: {
        "calls": 0, "segments": 0, "characters": 0})
    _runner: web.AppRunner | None = None

    def fail(self, status: int, body: Any = None, *, raw: str | None = None,
             headers: dict[str, str] | None = None, times: int = 1) -> None:
        self.queued.extend(Reply(status, body, raw, headers or {}) for _ in range(times))

    def fail_always(self, status: int, body: Any = None) -> None:
        self.always = Reply(status, body)

    def heal(self) -> None:
        self.always = None
        self.queued.clear()

    def calls(self, path: str) -> int:
        return sum(1 for p, _, _ in self.requests if p == path)

    async def start(self, port: int = 0) -> None:
        app = web.Application()
        app.router.add_get("/stats", self._stats)
        app.router.add_post("/translate", self._libre)
        app.router.add_post("/v2/translate", self._deepl)
        app.router.add_post("/v2/glossaries", self._deepl_glossary)
        app.router.add_post("/v1/chat/completions", self._openai)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _scripted(self, request: web.Request) -> tuple[dict[str, Any], web.Response | None]:
        body = await request.json()
        if self.record:
            self.requests.append((request.path, body, dict(request.headers)))
        if self.delay:
            await asyncio.sleep(self.delay)
        reply = self.queued.pop(0) if self.queued else self.always
        if reply is None:
            return body, None
        if reply.raw is not None:
            return body, web.Response(status=reply.status, text=reply.raw,
                                      headers=reply.headers)
        return body, web.json_response(reply.body, status=reply.status, headers=reply.headers)

    def _segments(self, texts: list[str], target: str,
                  entries: dict[str, str] | None = None) -> list[str]:
        out = [fake_translate(text, target, entries) for text in texts]
        return out[:-1] if self.drop_last_segment else out

    async def _stats(self, request: web.Request) -> web.Response:
        return web.json_response(self.totals)

    async def _libre(self, request: web.Request) -> web.Response:
        body, scripted = await self._scripted(request)
        if scripted is not None:
            return scripted
        segments = body["q"] if isinstance(body["q"], list) else [body["q"]]
        self.totals["calls"] += 1
        self.totals["segments"] += len(segments)
        self.totals["characters"] += sum(len(segment) for segment in segments)
        if body.get("target") in self.down_for:
            return web.json_response({"error": "overloaded"}, status=503)
        if body.get("target") == "xx":
            return web.json_response({"error": "xx is not supported"}, status=400)
        q = body["q"]
        if isinstance(q, str):
            return web.json_response({"translatedText": fake_translate(q, body["target"])})
        return web.json_response({"translatedText": self._segments(q, body["target"])})

    async def _deepl(self, request: web.Request) -> web.Response:
        if not request.headers.get("Authorization", "").startswith("DeepL-Auth-Key "):
            return web.json_response({"message": "Forbidden"}, status=403)
        body, scripted = await self._scripted(request)
        if scripted is not None:
            return scripted
        entries = self.glossaries.get(body.get("glossary_id", ""))
        texts = self._segments(body["text"], body["target_lang"], entries)
        return web.json_response({"translations": [
            {"detected_source_language": body.get("source_lang", "EN"), "text": text}
            for text in texts]})

    async def _deepl_glossary(self, request: web.Request) -> web.Response:
        body, scripted = await self._scripted(request)
        if scripted is not None:
            return scripted
        glossary_id = f"g{len(self.glossaries) + 1}"
        self.glossaries[glossary_id] = dict(
            line.split("\t") for line in body["entries"].splitlines())
        return web.json_response({"glossary_id": glossary_id, "ready": True,
                                  "name": body["name"], "entry_count": len(
                                      self.glossaries[glossary_id])}, status=201)

    async def _openai(self, request: web.Request) -> web.Response:
        body, scripted = await self._scripted(request)
        if scripted is not None:
            return scripted
        texts = json.loads(body["messages"][1]["content"])
        content = json.dumps({"translations": self._segments(
            texts, "en", prompt_glossary(body["messages"][0]["content"]))})
        return web.json_response({"id": "chatcmpl-1", "object": "chat.completion",
                                  "choices": [{"index": 0, "finish_reason": "stop",
                                               "message": {"role": "assistant",
                                                           "content": content}}]})
