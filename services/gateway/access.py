"""A caller's admission and roles in a consultation, asked of identity, cached in Redis.

Every request on a consultation's route needs "may this account enter, and with which
roles?". The answer comes from identity (`GetAccess`) and is cached in one Redis hash
per consultation (`access:<consultation>`, field = account or `-` for anonymous) for
`ttl` seconds. Grants and policy changes go through this gateway, which deletes the
consultation's hash right after identity committed them, so every gateway replica sees
a change at once; the TTL bounds staleness for changes made elsewhere (an email
verified, a grant made directly over gRPC), and the gateway's event consumer
(events/cache.py) drops entries on `role.*`, `access_policy.changed` and `user.erased`.
Redis is a cache, never the record: when it is down, identity is asked every time.
Each process also keeps an answer for `local_seconds` (1 s), so a busy reader costs no
Redis round trip per request; a change made through this process drops them at once,
one made through another replica applies here within that second.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import RedisError

from agora.v1 import identity_pb2
from services.gateway.clients import ServiceClients

log = logging.getLogger(__name__)
PLATFORM_KEY = "_platform"


@dataclass(frozen=True)
class Access:
    allowed: bool
    roles: frozenset[str]


class AccessResolver:
    def __init__(self, clients: ServiceClients, redis: Redis, *, ttl: int,
                 local_seconds: float = 1.0) -> None:
        self._clients = clients
        self._redis = redis
        self._ttl = ttl
        self._local_seconds = local_seconds
        self._local: dict[tuple[str, str], tuple[Access, float]] = {}
        self._dropped_at = 0.0

    async def resolve(self, account_id: str | None, consultation_id: str | None) -> Access:
        key = f"access:{consultation_id or PLATFORM_KEY}"
        field = account_id or "-"
        asked = time.monotonic()
        local = self._local.get((key, field))
        if local is not None and asked - local[1] < self._local_seconds:
            return local[0]
        access = await self._resolve(key, field, account_id, consultation_id)
        if asked > self._dropped_at:  # nothing was dropped since we asked
            if len(self._local) > 100_000:
                self._local.clear()
            self._local[(key, field)] = (access, asked)
        return access

    async def _resolve(self, key: str, field: str, account_id: str | None,
                       consultation_id: str | None) -> Access:
        try:
            cached = await self._redis.hget(key, field)
        except RedisError as error:
            log.warning("access cache unavailable", extra={"error": repr(error)})
            cached = None
        if cached is not None:
            data = json.loads(cached)
            return Access(allowed=data["allowed"], roles=frozenset(data["roles"]))
        reply = await self._clients.call(
            "identity", self._clients.identity.GetAccess,
            identity_pb2.GetAccessRequest(account_id=account_id or "",
                                          consultation_id=consultation_id or ""),
        )
        access = Access(allowed=reply.allowed, roles=frozenset(reply.roles))
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.hset(key, field, json.dumps({"allowed": access.allowed,
                                                  "roles": sorted(access.roles)}))
                pipe.expire(key, self._ttl, nx=True)
                await pipe.execute()
        except RedisError as error:
            log.warning("access cache unavailable", extra={"error": repr(error)})
        return access

    def _drop_local(self) -> None:
        self._local.clear()
        self._dropped_at = time.monotonic()

    async def forget(self, consultation_id: str) -> None:
        """Drop the cached answers of a consultation (after a grant or policy change)."""
        self._drop_local()
        try:
            await self._redis.delete(f"access:{consultation_id}", f"access:{PLATFORM_KEY}")
        except RedisError as error:
            log.warning("access cache unavailable", extra={"error": repr(error)})

    async def forget_account(self, account_id: str) -> None:
        """Drop an account's cached answers in every consultation (after its erasure, so
        its still-valid access token stops admitting it at once)."""
        self._drop_local()
        async for key in self._redis.scan_iter(match="access:*", count=500):
            await self._redis.hdel(key, account_id)
