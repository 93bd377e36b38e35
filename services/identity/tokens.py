"""Access tokens (EdDSA JWTs) and rotating refresh tokens with family revocation.

A refresh token is 256 random bits shown once; only its SHA-256 is stored. Each use
rotates it: the presented token is marked used and a new one of the same *family* (one
login) is issued. Presenting a used token again means it was stolen or replayed, so the
whole family is revoked and both the thief and the user must log in again (OAuth 2.0
Security BCP §4.14). Marking used is a conditional update, so two concurrent uses of one
token cannot both succeed.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

import jwt
from pymongo import ASCENDING

from agora_kit.clock import now
from agora_kit.errors import Unauthenticated
from agora_kit.ids import new_id
from agora_kit.mongo import Database
from services.identity.keys import KeyRing
from services.identity.metrics import REFRESH_REPLAYS

INVALID_REFRESH = "the refresh token is invalid or expired; log in again"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class Issued:
    access_token: str
    expires_in: int
    refresh_token: str


class TokenIssuer:
    def __init__(self, db: Database, keys: KeyRing, *, issuer: str, audience: str,
                 access_ttl: timedelta, refresh_ttl: timedelta) -> None:
        self._refresh = db["refresh_tokens"]
        self._families = db["refresh_families"]
        self._keys = keys
        self._issuer = issuer
        self._audience = audience
        self._access_ttl = access_ttl
        self._refresh_ttl = refresh_ttl

    async def ensure_indexes(self) -> None:
        await self._refresh.create_index("expires_at", expireAfterSeconds=0)
        await self._refresh.create_index([("family_id", ASCENDING)])
        await self._families.create_index([("account_id", ASCENDING)])
        await self._families.create_index("expires_at", expireAfterSeconds=0)

    async def access_token(self, account_id: str) -> str:
        key = await self._keys.current()
        issued_at = now()
        claims = {
            "iss": self._issuer, "aud": self._audience, "sub": account_id,
            "iat": issued_at, "nbf": issued_at, "exp": issued_at + self._access_ttl,
            "jti": new_id(),
        }
        return jwt.encode(claims, key.private_key, algorithm="EdDSA", headers={"kid": key.kid})

    async def start_session(self, account_id: str) -> Issued:
        """A new family (one login) and its first refresh token."""
        family_id = new_id()
        await self._families.insert_one({
            "_id": family_id, "account_id": account_id, "revoked": False,
            "created_at": now(), "expires_at": now() + self._refresh_ttl,
        })
        return await self._issue(account_id, family_id)

    async def refresh(self, refresh_token: str) -> tuple[str, Issued]:
        """(account id, new tokens); a reused token revokes its family and is refused."""
        stamp = now()
        record = await self._refresh.find_one_and_update(
            {"_id": digest(refresh_token), "used_at": None, "expires_at": {"$gt": stamp}},
            {"$set": {"used_at": stamp}},
        )
        if record is None:
            replayed = await self._refresh.find_one({"_id": digest(refresh_token)})
            if replayed is not None:
                REFRESH_REPLAYS.inc()
                await self.revoke_family(replayed["family_id"])
            raise Unauthenticated(INVALID_REFRESH)
        family = await self._families.find_one({"_id": record["family_id"]})
        if family is None or family["revoked"]:
            raise Unauthenticated(INVALID_REFRESH)
        return record["account_id"], await self._issue(record["account_id"], family["_id"])

    async def end_session(self, refresh_token: str) -> None:
        """Logout: revoke the family of the presented token (unknown tokens: nothing)."""
        record = await self._refresh.find_one({"_id": digest(refresh_token)})
        if record is not None:
            await self.revoke_family(record["family_id"])

    async def revoke_family(self, family_id: str) -> None:
        await self._families.update_one({"_id": family_id}, {"$set": {"revoked": True}})

    async def revoke_all(self, account_id: str) -> None:
        await self._families.update_many({"account_id": account_id}, {"$set": {"revoked": True}})

    async def _issue(self, account_id: str, family_id: str) -> Issued:
        secret = secrets.token_urlsafe(32)
        await self._refresh.insert_one({
            "_id": digest(secret), "family_id": family_id, "account_id": account_id,
            "used_at": None, "created_at": now(), "expires_at": now() + self._refresh_ttl,
        })
        return Issued(access_token=await self.access_token(account_id),
                      expires_in=int(self._access_ttl.total_seconds()), refresh_token=secret)
