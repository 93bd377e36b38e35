"""HTTP plumbing shared by the clients: one status-to-error mapping, one JSON reading."""

from __future__ import annotations

import json
import time
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from services.translation.providers.errors import (
    InputRejected,
    MalformedResponse,
    RateLimited,
    SegmentMismatch,
    Unauthorized,
    Unavailable,
    UnsupportedLanguage,
)


def retry_after(response: httpx.Response) -> float | None:
    """Retry-After as seconds, from either of its forms (delta-seconds or HTTP-date)."""
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


async def post(client: httpx.AsyncClient, provider: str, url: str, **kwargs: Any
               ) -> httpx.Response:
    """POST, turning transport failures and slow answers into `Unavailable`."""
    try:
        return await client.post(url, **kwargs)
    except httpx.TimeoutException as exc:
        raise Unavailable(provider, f"no answer in time ({type(exc).__name__})") from exc
    except httpx.TransportError as exc:
        raise Unavailable(provider, f"unreachable ({type(exc).__name__})") from exc


def raise_for_status(provider: str, response: httpx.Response, message: str) -> None:
    """The generic mapping; clients handle their documented special codes before it."""
    status = response.status_code
    if status < 400:
        return
    detail = f"HTTP {status}: {message}"[:300]
    if status == 429:
        raise RateLimited(provider, detail, retry_after(response))
    if status >= 500:
        raise Unavailable(provider, detail)
    if status in (401, 403):
        raise Unauthorized(provider, detail)
    if "not supported" in message.lower():
        raise UnsupportedLanguage(provider, detail)
    raise InputRejected(provider, detail)


def json_body(provider: str, response: httpx.Response) -> Any:
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise MalformedResponse(provider, f"HTTP {response.status_code}, not JSON") from exc


def error_message(response: httpx.Response, *keys: str) -> str:
    """The provider's error text if its body has one under `keys`, else the raw body."""
    try:
        body: Any = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return response.text[:200]
    for key in keys:
        if not isinstance(body, dict):
            break
        body = body.get(key)
    return body if isinstance(body, str) else response.text[:200]


def string_list(provider: str, value: Any, sent: int) -> list[str]:
    """A list of exactly `sent` strings, or the error saying how the answer is wrong."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise MalformedResponse(provider, "translations are not a list of strings")
    if len(value) != sent:
        raise SegmentMismatch(provider, sent, len(value))
    return value
