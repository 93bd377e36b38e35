"""Which consultation a request concerns, from the route's path parameters.

`consultation_id` names it directly; a `thread_id` is resolved through the threads
service once and remembered in Redis (a thread never changes consultation). A route
with neither concerns no consultation: only platform roles (operator) apply there.
Routes added later with other ids (a post, a ballot) add a resolver here.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping

from redis.asyncio import Redis
from redis.exceptions import RedisError

from agora.v1 import threads_pb2
from agora_kit.ids import is_valid_id
from services.gateway.clients import ServiceClients

THREAD_KEY_TTL = 7 * 24 * 3600


async def consultation_of(path_params: Mapping[str, str], clients: ServiceClients,
                          redis: Redis) -> str | None:
    """The consultation id, or None; malformed ids are left for the route to refuse (404)."""
    consultation_id = path_params.get("consultation_id")
    if consultation_id is not None:
        return consultation_id if is_valid_id(consultation_id) else None
    thread_id = path_params.get("thread_id")
    if thread_id is None or not is_valid_id(thread_id):
        return None
    key = f"thread-consultation:{thread_id}"
    try:
        cached = await redis.get(key)
    except RedisError:
        cached = None
    if cached is not None:
        return cached.decode() if isinstance(cached, bytes) else str(cached)
    thread = await clients.call("threads", clients.threads.GetThread,
                                threads_pb2.GetThreadRequest(thread_id=thread_id))
    with contextlib.suppress(RedisError):
        await redis.set(key, thread.consultation_id, ex=THREAD_KEY_TTL)
    return str(thread.consultation_id)
