"""Which consultation a request concerns, from the route's path parameters.

`consultation_id` names it directly; a `thread_id`, `post_id` or vote `session_id` is
resolved through its service, whoever may read it (the read itself is judged afterwards,
with the roles this lookup lets the gateway find), once, and remembered in Redis and in
this process (none of them ever changes consultation, so the process's copy can never be
stale: it saves a Redis round trip on every request about a thread, post or vote
session). A route with none of these concerns no consultation: only platform roles
(operator) apply there. Routes added later with other ids add a resolver here.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Mapping

from redis.asyncio import Redis
from redis.exceptions import RedisError

from agora.v1 import threads_pb2, voting_pb2
from agora_kit.ids import is_valid_id
from services.gateway.clients import ServiceClients

KEY_TTL = 7 * 24 * 3600
REMEMBERED = 100_000
_remembered: dict[str, str] = {}  # "name:value" -> consultation id, oldest first
Resolver = Callable[[ServiceClients, str], Awaitable[str]]


async def _of_thread(clients: ServiceClients, thread_id: str) -> str:
    thread = await clients.call("threads", clients.threads.GetThread,
                                threads_pb2.GetThreadRequest(thread_id=thread_id))
    return str(thread.consultation_id)


async def _of_post(clients: ServiceClients, post_id: str) -> str:
    # Not GetPost: that answers as the caller may see the post, and the caller's roles are
    # what this lookup is for (a held post would be "not found" for its own moderator).
    where = await clients.call("threads", clients.threads.LocatePost,
                               threads_pb2.LocatePostRequest(post_id=post_id))
    return str(where.consultation_id)


async def _of_vote_session(clients: ServiceClients, session_id: str) -> str:
    session = await clients.call("voting", clients.voting.GetVoteSession,
                                 voting_pb2.GetVoteSessionRequest(session_id=session_id))
    return str(session.consultation_id)


RESOLVERS: dict[str, Resolver] = {
    "thread_id": _of_thread,
    "post_id": _of_post,
    "session_id": _of_vote_session,
}
# Path parameters that place a route in a consultation (admission applies there).
SCOPE_PARAMETERS = frozenset({"consultation_id", *RESOLVERS})


async def consultation_of(path_params: Mapping[str, str], clients: ServiceClients,
                          redis: Redis) -> str | None:
    """The consultation id, or None; malformed ids are left for the route to refuse (404)."""
    consultation_id = path_params.get("consultation_id")
    if consultation_id is not None:
        return consultation_id if is_valid_id(consultation_id) else None
    for name, resolver in RESOLVERS.items():
        value = path_params.get(name)
        if value is None:
            continue
        if not is_valid_id(value):
            return None
        key = f"consultation-of:{name}:{value}"
        known = _remembered.get(key)
        if known is not None:
            return known
        found = await _resolve(key, resolver, clients, value, redis)
        if len(_remembered) >= REMEMBERED:
            del _remembered[next(iter(_remembered))]
        _remembered[key] = found
        return found
    return None


async def _resolve(key: str, resolver: Resolver, clients: ServiceClients, value: str,
                   redis: Redis) -> str:
    try:
        cached = await redis.get(key)
    except RedisError:
        cached = None
    if cached is not None:
        return cached.decode() if isinstance(cached, bytes) else str(cached)
    found = await resolver(clients, value)
    with contextlib.suppress(RedisError):
        await redis.set(key, found, ex=KEY_TTL)
    return found
