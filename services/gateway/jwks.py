"""Verifying identity's access tokens locally, from its JWKS cached in this process.

The key set is fetched from the identity service (gRPC `GetJwks`) and kept for
`cache_seconds`; a token with an unknown `kid` triggers one refetch (a key rotation),
at most once per `REFETCH_INTERVAL`, so forged kids cannot make the gateway hammer
identity. Only EdDSA is accepted (never `none`, never an HMAC confusion), and the
issuer, audience, expiry and subject are required.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import jwt
from jwt.algorithms import OKPAlgorithm

from agora.v1 import identity_pb2
from services.gateway.auth import ACCOUNT_ID, InvalidToken, Principal
from services.gateway.clients import ServiceClients

ALGORITHMS = ["EdDSA"]
REFETCH_INTERVAL = 1.0
LEEWAY_SECONDS = 30


class JwksVerifier:
    def __init__(self, clients: ServiceClients, *, issuer: str, audience: str,
                 cache_seconds: float) -> None:
        self._clients = clients
        self._issuer = issuer
        self._audience = audience
        self._cache_seconds = cache_seconds
        self._keys: dict[str, Any] = {}
        self._fetched_at = -1e9
        self._lock = asyncio.Lock()

    async def verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise InvalidToken("the access token is malformed") from None
        if header.get("alg") not in ALGORITHMS:
            raise InvalidToken("the access token's algorithm is not accepted")
        key = await self._key(str(header.get("kid", "")))
        try:
            claims = jwt.decode(
                token, key, algorithms=ALGORITHMS, audience=self._audience,
                issuer=self._issuer, leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise InvalidToken("the access token has expired") from None
        except jwt.PyJWTError:
            raise InvalidToken("the access token is invalid") from None
        subject = str(claims["sub"])
        if not ACCOUNT_ID.match(subject):
            raise InvalidToken("the access token's subject is malformed")
        return Principal(account_id=subject, roles=frozenset())

    async def _key(self, kid: str) -> Any:
        stale = time.monotonic() - self._fetched_at > self._cache_seconds
        if stale or (kid not in self._keys
                     and time.monotonic() - self._fetched_at > REFETCH_INTERVAL):
            await self._refresh()
        if kid not in self._keys:
            raise InvalidToken("the access token was signed by an unknown key")
        return self._keys[kid]

    async def _refresh(self) -> None:
        async with self._lock:
            if time.monotonic() - self._fetched_at < 1.0:
                return  # another request just refreshed
            reply = await self._clients.call("identity", self._clients.identity.GetJwks,
                                             identity_pb2.GetJwksRequest())
            keys = {}
            for jwk in json.loads(reply.json)["keys"]:
                keys[jwk["kid"]] = OKPAlgorithm.from_jwk(jwk)
            self._keys = keys
            self._fetched_at = time.monotonic()
