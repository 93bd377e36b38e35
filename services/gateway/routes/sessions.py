"""/v1/sessions — log in, refresh, log out; tokens travel in bodies only.

Login attempts are throttled per account and per IP (see throttle.py) before the
password is checked, so a guesser cannot even make identity spend an argon2 hash.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from agora.v1 import identity_pb2
from services.gateway.deps import Clients, resources_of
from services.gateway.identity_schemas import (
    LoginRequest,
    OidcCallback,
    OidcConfigPublic,
    OidcStartPublic,
    RefreshRequest,
    TokenPairPublic,
)
from services.gateway.problems import Problem
from services.gateway.routes.accounts import client_ip

router = APIRouter(prefix="/v1/sessions", tags=["sessions"])
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


@router.post("", response_model=TokenPairPublic)
async def login(body: LoginRequest, request: Request, response: Response,
                clients: Clients) -> TokenPairPublic:
    """Exchange email and password for an access token and a refresh token."""
    guard = resources_of(request.app).login_guard
    ip = client_ip(request)
    retry_after = await guard.retry_after(body.email, ip)
    if retry_after is not None:
        raise Problem(429, "too many failed logins; wait before trying again",
                      kind="rate-limited", headers={"Retry-After": str(retry_after)})
    try:
        reply = await clients.call("identity", clients.identity.Login,
                                   identity_pb2.LoginRequest(email=body.email,
                                                             password=body.password))
    except Problem as problem:
        if problem.status == 401:
            await guard.failed(body.email, ip)
        raise
    await guard.succeeded(body.email)
    response.headers.update(NO_STORE)
    return TokenPairPublic.of(reply)


@router.get("/oidc", response_model=OidcConfigPublic)
async def sso_config(clients: Clients, response: Response) -> OidcConfigPublic:
    """Whether single sign-on is configured (identity's `OIDC_ISSUER`) and the
    provider's name: a front-end shows its "Log in with …" button only then."""
    reply = await clients.call("identity", clients.identity.GetOidcConfig,
                               identity_pb2.GetOidcConfigRequest())
    # Configuration changes with a redeploy only; a minute's caching is harmless.
    response.headers["Cache-Control"] = "public, max-age=60"
    provider = (reply.provider_name or None) if reply.enabled else None
    return OidcConfigPublic(enabled=reply.enabled, provider=provider)


@router.post("/oidc", response_model=OidcStartPublic)
async def start_sso(clients: Clients, response: Response) -> OidcStartPublic:
    """Begin single sign-on: send the browser to the returned provider URL."""
    reply = await clients.call("identity", clients.identity.StartOidcLogin,
                               identity_pb2.StartOidcLoginRequest())
    response.headers.update(NO_STORE)
    return OidcStartPublic(authorization_url=reply.authorization_url)


@router.post("/oidc/callback", response_model=TokenPairPublic)
async def finish_sso(body: OidcCallback, response: Response,
                     clients: Clients) -> TokenPairPublic:
    """Finish single sign-on with the `code` and `state` the provider returned."""
    reply = await clients.call("identity", clients.identity.FinishOidcLogin,
                               identity_pb2.FinishOidcLoginRequest(code=body.code,
                                                                   state=body.state))
    response.headers.update(NO_STORE)
    return TokenPairPublic.of(reply)


@router.post("/refresh", response_model=TokenPairPublic)
async def refresh(body: RefreshRequest, response: Response,
                  clients: Clients) -> TokenPairPublic:
    """Rotate the refresh token; presenting a used one again ends its whole session."""
    reply = await clients.call("identity", clients.identity.Refresh,
                               identity_pb2.RefreshRequest(refresh_token=body.refresh_token))
    response.headers.update(NO_STORE)
    return TokenPairPublic.of(reply)


@router.post("/logout", status_code=204)
async def logout(body: RefreshRequest, clients: Clients) -> Response:
    """End the session of this refresh token (its access tokens expire within minutes)."""
    await clients.call("identity", clients.identity.Logout,
                       identity_pb2.LogoutRequest(refresh_token=body.refresh_token))
    return Response(status_code=204)
