"""Idempotency keys for requests that create things.

A creating request may carry a client-chosen key. The created document stores the key,
the actor and a fingerprint of the request under a unique index, so a retried request
returns the original result, a concurrent duplicate loses the insert race and reads the
winner, and the same key reused for a different request is refused (`create_once`).

A record written on a hot path (a ballot's audit record) skips the lookup before the
insert: its `_id` is derived from actor and key (`keyed_id`), so the `_id` index alone
refuses a second use inside the transaction, and the first result is read back by `_id`
(`replayed`). Both ways refuse a key reused for another request the same way
(`same_request`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from agora_kit.errors import Conflict, InvalidArgument
from agora_kit.types import Collection, Document


def fingerprint(request: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(request, sort_keys=True, default=str).encode()).hexdigest()


async def ensure_index(collection: Collection) -> None:
    """The unique index that decides a race, and a plain one that serves the replay lookup:
    SecantusDB does not use a partial index for a query, so with the unique index alone
    every keyed request would scan the collection (O(documents) per post or ballot)."""
    await collection.create_index(
        [("created_by", ASCENDING), ("idempotency_key", ASCENDING)],
        name="idempotency",
        unique=True,
        partialFilterExpression={"idempotency_key": {"$type": "string"}},
    )
    await collection.create_index(
        [("idempotency_key", ASCENDING), ("created_by", ASCENDING)], name="replay_lookup"
    )


def keyed_id(actor: str, key: str) -> str:
    """The `_id` of the one record `actor` may create with `key`."""
    return "k" + hashlib.sha256(f"{actor}\0{key}".encode()).hexdigest()[:40]


def same_request(existing: Document, request_hash: str | None) -> Document:
    """The record a key created, if the request now is the one that created it;
    InvalidArgument (naming the key) otherwise."""
    if existing.get("request_hash") != request_hash:
        raise InvalidArgument(
            "this idempotency key was used for a different request", field="idempotency_key"
        )
    return existing


async def replayed(collection: Collection, record_id: str, request_hash: str | None) -> Document:
    """The first result of a keyed request whose record (`keyed_id`) already exists."""
    first = await collection.find_one({"_id": record_id})
    if first is None:  # cannot happen: the duplicate was committed
        raise Conflict("idempotency record vanished; retry")
    return same_request(first, request_hash)


async def _replay(
    collection: Collection, actor: str, key: str, request_hash: str
) -> Document | None:
    existing = await collection.find_one({"created_by": actor, "idempotency_key": key})
    return None if existing is None else same_request(existing, request_hash)


async def create_once(
    collection: Collection,
    *,
    actor: str,
    key: str | None,
    request: dict[str, Any],
    create: Callable[[dict[str, Any]], Awaitable[Document]],
) -> Document:
    """Run create(idempotency fields) unless the key was seen; return the document."""
    if key is None:
        return await create({})
    request_hash = fingerprint(request)
    if (existing := await _replay(collection, actor, key, request_hash)) is not None:
        return existing
    try:
        return await create({"idempotency_key": key, "request_hash": request_hash})
    except DuplicateKeyError:
        existing = await _replay(collection, actor, key, request_hash)
        if existing is None:
            raise
        return existing
