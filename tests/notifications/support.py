"""Shared steps of the notifications tests: real accounts (their mail addresses come
from identity), a post and its replies, the inbox read through the gateway."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from nats.aio.client import Client as NatsClient

from agora_kit.events.envelope import parse_envelope
from tests.identity.support import Session, new_account
from tests.mailbox import Mailbox

__all__ = ["Mailbox", "Session", "account", "inbox", "redeliver", "reply", "unread", "write"]


async def account(api: httpx.AsyncClient, work_dir: Path) -> Session:
    return await new_account(api, work_dir / "mail")


async def write(api: httpx.AsyncClient, thread_id: str, headers: dict[str, str],
                body: str, parent_id: str | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = {"body": body}
    if parent_id:
        payload["parent_id"] = parent_id
    reply = await api.post(f"/v1/threads/{thread_id}/posts", json=payload, headers=headers)
    assert reply.status_code == 201, reply.text
    created: dict[str, Any] = reply.json()
    return created


async def reply(api: httpx.AsyncClient, post: dict[str, Any], headers: dict[str, str],
                body: str = "I disagree, and here is why") -> dict[str, Any]:
    return await write(api, post["thread_id"], headers, body, parent_id=post["id"])


async def unread(api: httpx.AsyncClient, who: Session) -> int:
    got = await api.get("/v1/notifications/unread-count", headers=who.headers)
    assert got.status_code == 200, got.text
    count: int = got.json()["unread"]
    return count


async def inbox(api: httpx.AsyncClient, who: Session, **params: Any) -> dict[str, Any]:
    got = await api.get("/v1/notifications", headers=who.headers, params=params)
    assert got.status_code == 200, got.text
    page: dict[str, Any] = got.json()
    return page


async def redeliver(nc: NatsClient, consultation_id: str, event_type: str) -> str:
    """Publish the consultation's last event of that type again, as a redelivery or a
    replay would bring it (another message id, so the broker keeps it; the same event
    id); the event id."""
    js = nc.jetstream()
    subject = f"agora.{consultation_id}.{event_type}"
    last = await js.get_last_msg("AGORA", subject)
    envelope = parse_envelope(last.data or b"")
    await js.publish(subject, last.data or b"",
                     headers={"Nats-Msg-Id": f"{envelope.event_id}:again"})
    return envelope.event_id
