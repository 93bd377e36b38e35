"""Small helpers the tests share."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx

T = TypeVar("T")
PROBLEM = "application/problem+json"


def auth(account: str, *roles: str) -> dict[str, str]:
    """A development token for account holding roles (besides participant)."""
    suffix = "~" + ",".join(roles) if roles else ""
    return {"Authorization": f"Bearer dev-{account}{suffix}"}


async def eventually(probe: Callable[[], Awaitable[T]], until: Callable[[T], bool],
                     within: float = 20.0, interval: float = 0.1) -> T:
    """Poll probe until its value satisfies until; fail with the last value after timeout."""
    deadline = time.monotonic() + within
    value = await probe()
    while not until(value):
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met after {within}s; last value: {value!r}")
        await asyncio.sleep(interval)
        value = await probe()
    return value


async def create_consultation(api: httpx.AsyncClient, account: str = "facilitator",
                              themes: int = 2) -> dict[str, object]:
    reply = await api.post(
        "/v1/consultations",
        json={"title": "The future of work", "languages": ["en", "fr"],
              "themes": [{"title": f"Theme {i}"} for i in range(themes)]},
        headers=auth(account, "operator"),
    )
    assert reply.status_code == 201, reply.text
    body: dict[str, object] = reply.json()
    return body


async def create_thread(api: httpx.AsyncClient, consultation: dict[str, object],
                        account: str = "facilitator") -> dict[str, object]:
    themes = consultation["themes"]
    assert isinstance(themes, list)
    reply = await api.post(
        f"/v1/consultations/{consultation['id']}/threads",
        json={"theme_id": themes[0]["id"], "title": "Training"},
        headers=auth(account),
    )
    assert reply.status_code == 201, reply.text
    body: dict[str, object] = reply.json()
    return body


def metric_value(text: str, name: str, **labels: str) -> float:
    """The sum of a Prometheus sample's values whose labels include the given ones."""
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        head, _, value = line.rpartition(" ")
        if all(f'{k}="{v}"' in head for k, v in labels.items()):
            total += float(value)
    return total


def assert_problem(reply: httpx.Response, status: int, field: str | None = None
                   ) -> dict[str, Any]:
    """The reply is a complete problem+json of that status (naming the field, if given),
    with no stack trace in it."""
    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"] == PROBLEM
    body: dict[str, Any] = reply.json()
    assert body["status"] == status
    assert body["type"].startswith("urn:agora:problem:")
    assert body["title"]
    assert body["detail"]
    assert "Traceback" not in reply.text
    if field is not None:
        assert field in [e["field"] for e in body["errors"]], body
    return body
