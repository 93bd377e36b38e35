"""A small but real OpenID Connect provider, served over HTTP from the test process.

Discovery, authorization (auto-approves the configured user), token (client secret,
single-use codes, redirect URI and PKCE S256 checked with authlib) and JWKS endpoints;
ID tokens are RS256 JWTs. Identity talks to it exactly as to a production provider.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode

import jwt
import uvicorn
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, generate_private_key
from jwt.algorithms import RSAAlgorithm
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from devstack.processes import free_port

CLIENT_ID = "agora"
CLIENT_SECRET = "s3cret-for-tests"
REDIRECT_URI = "https://app.example/sso/callback"


@dataclass
class Provider:
    port: int
    user: dict[str, Any] = field(default_factory=dict)
    # Where it sends the browser back (the client's registered redirect URI).
    redirect_uri: str = REDIRECT_URI
    key: RSAPrivateKey = field(default_factory=lambda: generate_private_key(65537, 2048))
    codes: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def discovery(self, request: Request) -> Response:
        return JSONResponse({
            "issuer": self.issuer, "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token", "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"], "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
        })

    async def authorize(self, request: Request) -> Response:
        q = request.query_params
        if (q.get("client_id") != CLIENT_ID or q.get("redirect_uri") != self.redirect_uri
                or q.get("response_type") != "code" or q.get("code_challenge_method") != "S256"
                or "openid" not in q.get("scope", "").split()):
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"challenge": q["code_challenge"], "nonce": q.get("nonce", ""),
                            "redirect_uri": q["redirect_uri"]}
        query = urlencode({"code": code, "state": q["state"]})
        return RedirectResponse(f"{self.redirect_uri}?{query}", status_code=302)

    async def token(self, request: Request) -> Response:
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if request.headers.get("authorization") != f"Basic {expected}":
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        grant = self.codes.pop(str(form.get("code")), None)
        if (grant is None or form.get("grant_type") != "authorization_code"
                or form.get("redirect_uri") != grant["redirect_uri"]
                or create_s256_code_challenge(str(form.get("code_verifier")))
                != grant["challenge"]):
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        stamp = int(time.time())
        id_token = jwt.encode(
            {"iss": self.issuer, "aud": CLIENT_ID, "iat": stamp, "exp": stamp + 300,
             "nonce": grant["nonce"], **self.user},
            self.key, algorithm="RS256", headers={"kid": "test-key"})
        return JSONResponse({"access_token": secrets.token_urlsafe(16), "token_type": "Bearer",
                             "expires_in": 300, "id_token": id_token})

    async def jwks(self, request: Request) -> Response:
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        return JSONResponse({"keys": [{**jwk, "kid": "test-key", "alg": "RS256", "use": "sig"}]})

    def app(self) -> Starlette:
        return Starlette(routes=[
            Route("/.well-known/openid-configuration", self.discovery),
            Route("/authorize", self.authorize),
            Route("/token", self.token, methods=["POST"]),
            Route("/jwks", self.jwks),
        ])


@contextlib.asynccontextmanager
async def running_provider() -> AsyncIterator[Provider]:
    provider = Provider(port=free_port())
    server = uvicorn.Server(uvicorn.Config(provider.app(), host="127.0.0.1",
                                           port=provider.port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn exposes a flag, not an event
        await asyncio.sleep(0.05)
    try:
        yield provider
    finally:
        server.should_exit = True
        await task
