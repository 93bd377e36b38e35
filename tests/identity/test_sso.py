"""OpenID Connect single sign-on against a real provider served by the test process."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from devstack.stack import Stack
from tests.identity.oidc_provider import REDIRECT_URI, Provider, running_provider
from tests.identity.sso_stack import sso_gateway_for
from tests.identity.support import PASSWORD, new_account, unique_email


@pytest.fixture(scope="module")
async def provider() -> AsyncIterator[Provider]:
    async with running_provider() as running:
        yield running


@pytest.fixture(scope="module")
def sso_gateway(provider: Provider, stack: Stack, work_dir: Path) -> Iterator[str]:
    """An identity replica and a gateway configured for the provider (same databases)."""
    with sso_gateway_for(provider, stack, work_dir / "sso-logs") as url:
        yield url


async def sign_in(api: httpx.AsyncClient, provider: Provider) -> tuple[str, str]:
    """Drive the browser's part: start, visit the provider, return (code, state)."""
    start = await api.post("/v1/sessions/oidc")
    assert start.status_code == 200, start.text
    url = start.json()["authorization_url"]
    assert url.startswith(f"{provider.issuer}/authorize?")
    async with httpx.AsyncClient() as browser:
        redirect = await browser.get(url)
    assert redirect.status_code == 302, redirect.text
    location = redirect.headers["location"]
    assert location.startswith(REDIRECT_URI)
    query = parse_qs(urlsplit(location).query)
    return query["code"][0], query["state"][0]


async def test_sso_creates_then_reuses_one_account(provider: Provider, sso_gateway: str) -> None:
    email = unique_email("idp.example")
    provider.user = {"sub": f"sub-{email}", "email": email, "email_verified": True,
                     "name": "Ada L."}
    async with httpx.AsyncClient(base_url=sso_gateway, timeout=15) as api:
        code, state = await sign_in(api, provider)
        first = await api.post("/v1/sessions/oidc/callback", json={"code": code, "state": state})
        assert first.status_code == 200, first.text
        me = await api.get("/v1/accounts/me",
                           headers={"Authorization": f"Bearer {first.json()['access_token']}"})
        assert (me.json()["email"], me.json()["email_verified"]) == (email, True)
        assert me.json()["display_name"] == "Ada L."  # the provider's `name` claim
        # The state is single-use.
        replay = await api.post("/v1/sessions/oidc/callback", json={"code": code, "state": state})
        assert replay.status_code == 401
        code, state = await sign_in(api, provider)
        second = await api.post("/v1/sessions/oidc/callback",
                                json={"code": code, "state": state})
        assert second.json()["account_id"] == first.json()["account_id"]


@pytest.mark.parametrize(("name", "shown"), [
    (None, None), ("", None), (42, None),
    ("ada@idp.example", None),  # an email address is no public name: none rather than it
    (" Ada\u200b Lovelace ", "Ada Lovelace"),
])
async def test_an_sso_account_is_named_by_the_provider_never_after_the_email(
        provider: Provider, sso_gateway: str, name: object, shown: str | None) -> None:
    email = unique_email("idp.example")
    provider.user = {"sub": f"sub-{email}", "email": email, "email_verified": True}
    if name is not None:
        provider.user["name"] = name
    async with httpx.AsyncClient(base_url=sso_gateway, timeout=15) as api:
        code, state = await sign_in(api, provider)
        signed_in = await api.post("/v1/sessions/oidc/callback",
                                   json={"code": code, "state": state})
        assert signed_in.status_code == 200, signed_in.text
        me = await api.get("/v1/accounts/me", headers={
            "Authorization": f"Bearer {signed_in.json()['access_token']}"})
    assert me.json()["display_name"] == shown


async def test_a_forged_code_is_refused(provider: Provider, sso_gateway: str) -> None:
    provider.user = {"sub": "forger", "email": unique_email("idp.example"),
                     "email_verified": True}
    async with httpx.AsyncClient(base_url=sso_gateway, timeout=15) as api:
        _, state = await sign_in(api, provider)
        forged = await api.post("/v1/sessions/oidc/callback",
                                json={"code": "made-up", "state": state})
        assert forged.status_code == 401


async def test_an_unverified_provider_email_does_not_take_over_an_account(
    provider: Provider, sso_gateway: str, api: httpx.AsyncClient, work_dir: Path
) -> None:
    victim = await new_account(api, work_dir / "mail")
    provider.user = {"sub": "attacker", "email": victim.email, "email_verified": False}
    async with httpx.AsyncClient(base_url=sso_gateway, timeout=15) as sso:
        code, state = await sign_in(sso, provider)
        refused = await sso.post("/v1/sessions/oidc/callback",
                                 json={"code": code, "state": state})
        assert refused.status_code == 401
    assert (await api.post("/v1/sessions", json={"email": victim.email,
                                                 "password": PASSWORD})).status_code == 200


async def test_sso_is_refused_where_it_is_not_configured(api: httpx.AsyncClient) -> None:
    assert (await api.post("/v1/sessions/oidc")).status_code == 409
    config = await api.get("/v1/sessions/oidc")
    assert config.status_code == 200, config.text
    assert config.json() == {"enabled": False, "provider": None}


async def test_a_front_end_learns_that_sso_is_configured_and_with_whom(
    provider: Provider, sso_gateway: str,
) -> None:
    async with httpx.AsyncClient(base_url=sso_gateway, timeout=15) as api:
        config = await api.get("/v1/sessions/oidc")
    assert config.status_code == 200, config.text
    # No OIDC_PROVIDER_NAME here: the issuer's host names the provider.
    assert config.json() == {"enabled": True, "provider": "127.0.0.1"}
    assert config.headers["cache-control"] == "public, max-age=60"
