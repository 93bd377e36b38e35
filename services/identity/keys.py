"""Signing keys: Ed25519, identified by `kid`, rotated on a schedule, published as JWKS.

Keys live in the `signing_keys` collection so every replica signs with the same current
key. The newest key signs; a key stays in the JWKS until every token it signed has
expired (rotation period + token lifetime), so a rotation never invalidates a live token.
The private key is stored as PKCS#8 PEM, encrypted with `SIGNING_KEY_PASSPHRASE` (scrypt
+ AES-256, required in production), so a copy of the database or a backup does not let
anyone sign tokens. Keys stored before a passphrase was configured stay readable.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm
from pymongo import DESCENDING

from agora_kit.cache import BoundedCache
from agora_kit.clock import SYSTEM_CLOCK, Clock, now
from agora_kit.ids import new_id
from agora_kit.mongo import Database

CACHE_SECONDS = 30.0
CURRENT = "current"


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: Ed25519PrivateKey


class KeyRing:
    def __init__(self, db: Database, *, rotation: timedelta, token_ttl: timedelta,
                 passphrase: str = "", clock: Clock = SYSTEM_CLOCK) -> None:
        self._keys = db["signing_keys"]
        self._passphrase = passphrase.encode()
        self._rotation = rotation
        self._token_ttl = token_ttl
        # The current key, re-read at most every CACHE_SECONDS (a replica sees another
        # one's rotation within that).
        self._current: BoundedCache[str, SigningKey] = BoundedCache(
            1, ttl=CACHE_SECONDS, clock=clock)

    async def ensure_indexes(self) -> None:
        await self._keys.create_index([("created_at", DESCENDING)])

    async def current(self) -> SigningKey:
        """The key to sign with, creating one when none exists or the newest is too old."""
        if (current := self._current.get(CURRENT)) is not None:
            return current
        newest = await self._keys.find_one(sort=[("created_at", DESCENDING)])
        if newest is None or newest["created_at"] < now() - self._rotation:
            return await self.rotate()
        return self._remember(newest)

    async def rotate(self) -> SigningKey:
        private_key = Ed25519PrivateKey.generate()
        encryption: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(self._passphrase) if self._passphrase
            else serialization.NoEncryption())
        pem = private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption,
        ).decode()
        public_jwk: dict[str, Any] = json.loads(OKPAlgorithm.to_jwk(private_key.public_key()))
        document = {"_id": new_id(), "private_pem": pem, "public_jwk": public_jwk,
                    "encrypted": bool(self._passphrase), "created_at": now()}
        await self._keys.insert_one(document)
        return self._remember(document)

    async def jwks(self) -> dict[str, Any]:
        """Public keys of every key that may still have live tokens."""
        horizon = now() - self._rotation - self._token_ttl - timedelta(minutes=5)
        await self.current()  # a JWKS is never empty
        keys = []
        cursor = self._keys.find({"created_at": {"$gte": horizon}}).sort("created_at", DESCENDING)
        async for document in cursor:
            keys.append({**document["public_jwk"], "kid": document["_id"], "alg": "EdDSA",
                         "use": "sig"})
        return {"keys": keys}

    def _remember(self, document: dict[str, Any]) -> SigningKey:
        password = self._passphrase if document.get("encrypted") else None
        key = serialization.load_pem_private_key(document["private_pem"].encode(), password)
        assert isinstance(key, Ed25519PrivateKey)
        signing_key = SigningKey(kid=document["_id"], private_key=key)
        self._current.put(CURRENT, signing_key)
        return signing_key
