"""Access tokens, JWKS, refresh rotation and the attacks the gateway must refuse (401)."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import grpc
import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pymongo import AsyncMongoClient

from agora.v1 import identity_pb2, identity_pb2_grpc
from devstack.stack import Stack
from tests.identity.support import Session, new_account

PASSPHRASE = b"test-only passphrase for signing keys"  # as tests/conftest.py sets it

Mongo = AsyncMongoClient[dict[str, object]]


@pytest.fixture
def mail_dir(work_dir: Path) -> Path:
    return work_dir / "mail"


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def signing_key(mongo: Mongo, kid: str) -> Ed25519PrivateKey:
    """The identity service's real private key, read from its database by the test."""
    document = await mongo["agora_identity"]["signing_keys"].find_one({"_id": kid})
    assert document is not None
    key = serialization.load_pem_private_key(str(document["private_pem"]).encode(), PASSPHRASE)
    assert isinstance(key, Ed25519PrivateKey)
    return key


async def test_jwks_publishes_the_ed25519_key_that_signs(api: httpx.AsyncClient,
                                                         mail_dir: Path) -> None:
    session = await new_account(api, mail_dir)
    reply = await api.get("/.well-known/jwks.json")
    assert reply.status_code == 200
    keys = {k["kid"]: k for k in reply.json()["keys"]}
    header = jwt.get_unverified_header(session.access_token)
    assert header["alg"] == "EdDSA"
    assert keys[header["kid"]]["crv"] == "Ed25519"
    assert "d" not in keys[header["kid"]]  # public parts only
    claims = jwt.decode(session.access_token, options={"verify_signature": False})
    assert claims["aud"] == "agora"
    assert claims["sub"] == session.account_id
    assert claims["exp"] - claims["iat"] <= 300


async def test_signing_keys_are_stored_encrypted(api: httpx.AsyncClient, mail_dir: Path,
                                                 mongo: Mongo) -> None:
    """A copy of identity's database does not let anyone sign tokens: the private key is
    encrypted with SIGNING_KEY_PASSPHRASE (the test stack sets one)."""
    session = await new_account(api, mail_dir)
    kid = jwt.get_unverified_header(session.access_token)["kid"]
    stored = await mongo["agora_identity"]["signing_keys"].find_one({"_id": kid})
    assert stored is not None
    pem = str(stored["private_pem"]).encode()
    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    with pytest.raises(TypeError):  # no password, no key
        serialization.load_pem_private_key(pem, None)
    key = serialization.load_pem_private_key(pem, PASSPHRASE)
    assert isinstance(key, Ed25519PrivateKey)


def forge(claims: Callable[[dict[str, Any]], dict[str, Any]], key: Ed25519PrivateKey,
          kid: str) -> Callable[[dict[str, Any]], str]:
    def make(real: dict[str, Any]) -> str:
        return jwt.encode(claims(dict(real)), key, algorithm="EdDSA", headers={"kid": kid})
    return make


async def test_bad_tokens_are_401(api: httpx.AsyncClient, mail_dir: Path, mongo: Mongo) -> None:
    session = await new_account(api, mail_dir)
    kid = jwt.get_unverified_header(session.access_token)["kid"]
    key = await signing_key(mongo, kid)
    real = jwt.decode(session.access_token, options={"verify_signature": False})
    past = datetime.now(UTC) - timedelta(hours=1)
    head, body, signature = session.access_token.split(".")
    attacks = {
        "control (valid)": forge(lambda c: c, key, kid)(real),
        "expired": forge(lambda c: {**c, "iat": past, "nbf": past,
                                    "exp": past + timedelta(minutes=5)}, key, kid)(real),
        "wrong audience": forge(lambda c: {**c, "aud": "someone-else"}, key, kid)(real),
        "wrong issuer": forge(lambda c: {**c, "iss": "evil"}, key, kid)(real),
        "wrong kid": forge(lambda c: c, key, "0" * 24)(real),
        "unknown key, known kid": forge(lambda c: c, Ed25519PrivateKey.generate(), kid)(real),
        "tampered": ".".join([head, b64({**real, "sub": "0" * 24}), signature]),
        "alg none": ".".join([b64({"alg": "none", "typ": "JWT", "kid": kid}), body, ""]),
        "HS256 with the public key": jwt.encode(
            real, key.public_key().public_bytes(serialization.Encoding.Raw,
                                                 serialization.PublicFormat.Raw),
            algorithm="HS256", headers={"kid": kid}),
        "garbage": "a.b.c",
    }
    for name, token in attacks.items():
        reply = await api.get("/v1/accounts/me", headers={"Authorization": f"Bearer {token}"})
        expected = 200 if name.startswith("control") else 401
        assert reply.status_code == expected, (name, reply.text)
        if expected == 401:
            assert reply.headers["www-authenticate"].startswith("Bearer")


async def test_refresh_rotates_and_replay_revokes_the_family(api: httpx.AsyncClient,
                                                             mail_dir: Path) -> None:
    session = await new_account(api, mail_dir)
    first = await api.post("/v1/sessions/refresh", json={"refresh_token": session.refresh_token})
    assert first.status_code == 200
    assert first.headers["cache-control"] == "no-store"
    rotated = first.json()["refresh_token"]
    assert rotated != session.refresh_token
    replay = await api.post("/v1/sessions/refresh",
                            json={"refresh_token": session.refresh_token})
    assert replay.status_code == 401
    # The thief replayed; the legitimate holder's newer token is dead too.
    after = await api.post("/v1/sessions/refresh", json={"refresh_token": rotated})
    assert after.status_code == 401


async def test_concurrent_use_of_one_refresh_token_succeeds_at_most_once(
    api: httpx.AsyncClient, mail_dir: Path
) -> None:
    session = await new_account(api, mail_dir)
    replies = await asyncio.gather(*(
        api.post("/v1/sessions/refresh", json={"refresh_token": session.refresh_token})
        for _ in range(5)
    ))
    codes = sorted(r.status_code for r in replies)
    assert codes.count(200) <= 1, codes
    assert codes.count(401) >= 4, codes


async def test_logout_ends_the_session(api: httpx.AsyncClient, mail_dir: Path) -> None:
    session = await new_account(api, mail_dir)
    other = await new_account(api, mail_dir)
    assert (await api.post("/v1/sessions/logout",
                           json={"refresh_token": session.refresh_token})).status_code == 204
    refused = await api.post("/v1/sessions/refresh", json={"refresh_token": session.refresh_token})
    assert refused.status_code == 401
    kept = await api.post("/v1/sessions/refresh", json={"refresh_token": other.refresh_token})
    assert kept.status_code == 200


async def test_key_rotation_keeps_old_tokens_valid_and_signs_new_ones_with_the_new_kid(
    api: httpx.AsyncClient, mail_dir: Path, stack: Stack
) -> None:
    before: Session = await new_account(api, mail_dir)
    assert (await api.get("/v1/accounts/me", headers=before.headers)).status_code == 200
    async with grpc.aio.insecure_channel(stack.config.address("identity")) as channel:
        stub = identity_pb2_grpc.IdentityServiceStub(channel)
        rotated = await stub.RotateSigningKey(identity_pb2.RotateSigningKeyRequest(), timeout=5)
    await asyncio.sleep(1.1)  # the gateway refetches an unknown kid at most once a second
    after = await new_account(api, mail_dir)
    assert jwt.get_unverified_header(after.access_token)["kid"] == rotated.kid
    assert jwt.get_unverified_header(before.access_token)["kid"] != rotated.kid
    for session in (before, after):
        assert (await api.get("/v1/accounts/me", headers=session.headers)).status_code == 200
    kids = {k["kid"] for k in (await api.get("/.well-known/jwks.json")).json()["keys"]}
    assert rotated.kid in kids
