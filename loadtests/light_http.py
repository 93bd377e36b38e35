"""A minimal HTTP/1.1 keep-alive client for load generation.

Why: on a small shared machine the load generator competes for the same cores as the
system it measures. httpx spent ~12 ms of CPU per ballot request in the ballot benchmark
(more than the gateway itself), so the benchmark measured its own client as much as the
platform. This client does only what a benchmark needs — one persistent connection,
a request with a JSON body, a response with Content-Length — for well under 1 ms of CPU.
It is not a general HTTP client (no chunked bodies, redirects, TLS or proxies).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any
from urllib.parse import urlsplit


class Dropped(Exception):
    """The connection broke before a whole response arrived (the request may have been
    applied: retry it with the same Idempotency-Key)."""


class Connection:
    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        self._host = parts.hostname or "127.0.0.1"
        self._port = parts.port or 80
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def request(self, method: str, path: str, *, json_body: Any = None,
                      headers: dict[str, str]) -> tuple[int, bytes]:
        """(status, body); Dropped when the connection breaks (it reconnects next time).
        Without `json_body` the request has no body (a GET)."""
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        body = b""
        if json_body is not None:
            body = json.dumps(json_body).encode()
            head = (f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
                    + head)
        message = (f"{method} {path} HTTP/1.1\r\nHost: {self._host}\r\n"
                   f"{head}\r\n").encode() + body
        try:
            if self._streams is None:
                self._streams = await asyncio.open_connection(self._host, self._port)
            reader, writer = self._streams
            writer.write(message)
            raw_head = await reader.readuntil(b"\r\n\r\n")
            status, length, close = _parse_head(raw_head)
            payload = await reader.readexactly(length)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as error:
            await self.close()
            raise Dropped(repr(error)) from None
        if close:
            await self.close()
        return status, payload

    async def close(self) -> None:
        if self._streams is not None:
            _, writer = self._streams
            self._streams = None
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


def _parse_head(raw: bytes) -> tuple[int, int, bool]:
    lines = raw.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length, close = 0, False
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "connection" and value.strip().lower() == "close":
            close = True
    return status, length, close
