"""A caller's admission and roles in a consultation, asked of identity, cached in Redis.

Every request on a consultation's route needs "may this account enter, and with which
roles?". The answer comes from identity (`GetAccess`) and is cached in one Redis hash
per consultation (`access:<consultation>`, field = account or `-` for anonymous) for
`ttl` seconds. Grants and policy changes go through this gateway, which deletes the
consultation's hash right after identity committed them, so every gateway replica sees
a change at once; the TTL bounds staleness for changes made elsewhere (an email
verified, a grant made directly over gRPC), and the gateway's event consumer
(cache_events.py) drops entries on `role.*`, `access_policy.changed` and `user.erased`.
Redis is a cache, never the record: when it is down, identity is asked every time.
"""

from __future__ import annotations

import json
import logging
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
    def __init__(self, clients: ServiceClients, redis: Redis, *, ttl: int) -> None:
        self._clients = clients
        self._redis = redis
        self._ttl = ttl

    async def resolve(self, account_id: str | None, consultation_id: str | None) -> Access:
        key = f"access:{consultation_id or PLATFORM_KEY}"
        field = account_id or "-"
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

    async def forget(self, consultation_id: str) -> None:
        """Drop the cached answers of a consultation (after a grant or policy change)."""
        try:
            await self._redis.delete(f"access:{consultation_id}", f"access:{PLATFORM_KEY}")
        except RedisError as error:
            log.warning("access cache unavailable", extra={"error": repr(error)})

    async def forget_account(self, account_id: str) -> None:
        """Drop an account's cached answers in every consultation (after its erasure, so
        its still-valid access token stops admitting it at once)."""
        async for key in self._redis.scan_iter(match="access:*", count=500):
            await self._redis.hdel(key, account_id)
