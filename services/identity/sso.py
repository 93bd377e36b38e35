"""Single sign-on with any OpenID Connect provider: Authorization Code + PKCE.

`start` makes a one-time `state`, a `nonce` and a PKCE verifier, keeps them (hashed
state, 10 minutes) and returns the provider's authorization URL (built with authlib).
`finish` consumes the state once, exchanges the code with the verifier and the client
secret at the token endpoint, checks the ID token (signature against the provider's
JWKS, issuer, audience, expiry, nonce) and maps the provider's `(issuer, subject)` to an
account: an existing link, else the account of the same *verified* email, else a new
account without a password, named by the provider's `name` claim if it passes the
display-name rules (never after the email). An unverified provider email never takes
over an account.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import jwt
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from agora_kit.clock import now
from agora_kit.errors import FailedPrecondition, Unauthenticated
from agora_kit.mongo import Database
from services.identity.accounts import Accounts
from services.identity.config import IdentitySettings
from services.identity.tokens import digest

STATE_TTL = timedelta(minutes=10)
ID_TOKEN_ALGORITHMS = ["RS256", "ES256", "EdDSA", "PS256"]
FAILED = "the single sign-on did not succeed; start again"


class OidcLogin:
    def __init__(self, db: Database, settings: IdentitySettings, accounts: Accounts) -> None:
        self._states = db["oidc_states"]
        self._links = db["oidc_links"]
        self._s = settings
        self._accounts = accounts
        self._metadata: dict[str, Any] | None = None

    async def ensure_indexes(self) -> None:
        await self._states.create_index("expires_at", expireAfterSeconds=0)

    def provider_name(self) -> str | None:
        """Who signs people in, for a button; None when single sign-on is not configured."""
        if not self._s.oidc_issuer:
            return None
        return self._s.oidc_provider_name or urlsplit(self._s.oidc_issuer).hostname or ""

    async def start(self) -> str:
        metadata = await self._discover()
        state, nonce, verifier = (secrets.token_urlsafe(32) for _ in range(3))
        await self._states.insert_one({"_id": digest(state), "nonce": nonce,
                                       "verifier": verifier, "expires_at": now() + STATE_TTL})
        url: str = prepare_grant_uri(
            metadata["authorization_endpoint"], self._s.oidc_client_id, "code",
            redirect_uri=self._s.oidc_redirect_uri, scope=self._s.oidc_scopes, state=state,
            nonce=nonce, code_challenge=create_s256_code_challenge(verifier),
            code_challenge_method="S256")
        return url

    async def finish(self, *, code: str, state: str) -> str:
        """The account id of the person the provider vouched for."""
        metadata = await self._discover()
        record = await self._states.find_one_and_delete(
            {"_id": digest(state), "expires_at": {"$gt": now()}})
        if record is None:
            raise Unauthenticated(FAILED)
        async with httpx.AsyncClient(timeout=10) as http:
            reply = await http.post(metadata["token_endpoint"], data={
                "grant_type": "authorization_code", "code": code,
                "redirect_uri": self._s.oidc_redirect_uri, "code_verifier": record["verifier"],
            }, auth=(self._s.oidc_client_id, self._s.oidc_client_secret))
            if reply.status_code != 200 or "id_token" not in reply.json():
                raise Unauthenticated(FAILED)
            jwks = (await http.get(metadata["jwks_uri"])).json()
        claims = self._check_id_token(reply.json()["id_token"], jwks, nonce=record["nonce"])
        return await self._account_for(claims)

    def _check_id_token(self, token: str, jwks: dict[str, Any], *, nonce: str) -> dict[str, Any]:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            keys = jwt.PyJWKSet.from_dict(jwks)
            key = next(k for k in keys.keys if kid is None or k.key_id == kid)
            claims: dict[str, Any] = jwt.decode(
                token, key.key, algorithms=ID_TOKEN_ALGORITHMS, audience=self._s.oidc_client_id,
                issuer=self._s.oidc_issuer, options={"require": ["exp", "iat", "sub"]})
        except (jwt.PyJWTError, StopIteration):
            raise Unauthenticated(FAILED) from None
        if claims.get("nonce") != nonce:
            raise Unauthenticated(FAILED)
        return claims

    async def _account_for(self, claims: dict[str, Any]) -> str:
        link_id = f"{self._s.oidc_issuer}|{claims['sub']}"
        link = await self._links.find_one({"_id": link_id})
        if link is not None:
            return str(link["account_id"])
        email = str(claims.get("email", ""))
        verified = claims.get("email_verified") is True
        if not email:
            raise Unauthenticated("the provider did not share an email address")
        existing = await self._accounts.accounts.find_one({"email": email.lower()})
        if existing is not None and not verified:
            raise Unauthenticated("log in with your password: this email has an account")
        name = claims.get("name")
        account_id = (str(existing["_id"]) if existing is not None else
                      await self._accounts.create_external(
                          email=email, verified=verified,
                          name=name if isinstance(name, str) else ""))
        await self._links.update_one({"_id": link_id},
                                     {"$setOnInsert": {"account_id": account_id,
                                                       "linked_at": now()}}, upsert=True)
        return account_id

    async def _discover(self) -> dict[str, Any]:
        if not self._s.oidc_issuer:
            raise FailedPrecondition("single sign-on is not configured")
        if self._metadata is None:
            url = self._s.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration"
            async with httpx.AsyncClient(timeout=10) as http:
                reply = await http.get(url)
            reply.raise_for_status()
            metadata: dict[str, Any] = reply.json()
            if metadata.get("issuer") != self._s.oidc_issuer:
                raise FailedPrecondition("the provider's metadata names another issuer")
            self._metadata = metadata
        return self._metadata
