"""Checks on the plumbing fields every creating gRPC request carries.

The gateway fills them from the verified token and the `Idempotency-Key` header; the
services check them again because they trust no caller.
"""

from __future__ import annotations

from agora_kit.errors import InvalidArgument

IDEMPOTENCY_KEY_MAX = 200


def idempotency_key(value: str) -> str | None:
    """The key, or None when the request carries none."""
    if not value:
        return None
    if len(value) > IDEMPOTENCY_KEY_MAX:
        raise InvalidArgument("idempotency key is too long", field="idempotency_key")
    return value


def actor(value: str) -> str:
    """The acting account id, which every write needs."""
    if not value:
        raise InvalidArgument("an authenticated actor is required", field="actor_id")
    return value
