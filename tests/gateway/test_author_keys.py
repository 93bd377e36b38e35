"""Authors appear by a key of the consultation, never by their account: stable within one
consultation, unrelated across consultations, the same in every output and cache path."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr, ValidationError

from services.gateway.author_keys import AuthorKeys
from services.gateway.config import DEVELOPMENT_AUTHOR_KEY_SECRET, GatewaySettings
from tests.debate import MODERATOR, author_key, phased, post, thread_in
from tests.gateway.test_live import listen
from tests.helpers import auth
from tests.identity.support import new_account
from tests.voting.support import unique

EXPERT = auth("checker", "expert")


def test_a_key_is_stable_per_consultation_and_unrelated_across_them() -> None:
    keys = AuthorKeys(b"a secret of sixteen or more bytes")
    key = keys.of("c1", "ada")
    assert key == keys.of("c1", "ada")
    assert key is not None
    assert len(key) == 24
    assert key.isalnum()
    assert key.islower()
    assert len({key, keys.of("c2", "ada"), keys.of("c1", "bob")}) == 3
    assert AuthorKeys(b"another secret of sixteen bytes").of("c1", "ada") != key
    assert keys.of("c1", "former-participant") is None
    assert keys.of("c1", "") is None


def test_production_refuses_to_start_without_its_own_author_key_secret() -> None:
    for secret in ("", DEVELOPMENT_AUTHOR_KEY_SECRET, "too short"):
        with pytest.raises(ValidationError, match="AUTHOR_KEY_SECRET"):
            GatewaySettings(agora_env="production", auth_mode="jwt",  # type: ignore[arg-type]
                            author_key_secret=SecretStr(secret))
    accepted = GatewaySettings(agora_env="production", auth_mode="jwt",  # type: ignore[arg-type]
                               author_key_secret=SecretStr("x" * 32))
    assert accepted.author_key_bytes() == b"x" * 32


def without_accounts(text: str, *accounts: str) -> None:
    for account in accounts:
        assert account not in text, f"{account} in {text[:300]}"
    assert "author_id" not in text
    assert "_author_account" not in text


async def test_every_output_names_authors_by_their_key_in_the_consultation(
        api: httpx.AsyncClient) -> None:
    ada, bob = unique("ada"), unique("bob")
    here, elsewhere = await phased(api), await phased(api)
    first, second, other = (await thread_in(api, here), await thread_in(api, here),
                            await thread_in(api, elsewhere))
    async with listen(api, here["id"]) as stream:
        mine = await post(api, first, "One", account=ada)
        also_mine = await post(api, second, "Two", account=ada)
        theirs = await post(api, first, "Three", account=bob)
        live = await stream.until(
            lambda seen: sum(e.type == "post.created" for e in seen) >= 3)
    away = await post(api, other, "Elsewhere", account=ada)

    key = await author_key(api, here["id"], auth(ada))
    assert mine["author_key"] == also_mine["author_key"] == key
    assert theirs["author_key"] == await author_key(api, here["id"], auth(bob)) != key
    assert away["author_key"] == await author_key(api, elsewhere["id"], auth(ada)) != key
    for created in (mine, also_mine, theirs, away):
        without_accounts(str(created), ada, bob)
    posted = {e.data["post"]["id"]: e.data["post"]["author_key"]
              for e in live if e.type == "post.created"}
    assert posted == {mine["id"]: key, also_mine["id"]: key, theirs["id"]: theirs["author_key"]}
    without_accounts(str([e.data for e in live]), ada, bob)

    page_url = f"/v1/threads/{first['id']}/posts"
    for reader in ({}, auth(ada), auth(bob), MODERATOR, {}, auth(ada)):  # misses, then hits
        page = await api.get(page_url, headers=reader)
        assert page.status_code == 200, page.text
        without_accounts(page.text, ada, bob)
        assert {p["id"]: p["author_key"] for p in page.json()["items"]} == {
            mine["id"]: key, theirs["id"]: theirs["author_key"]}
    one = await api.get(f"/v1/posts/{mine['id']}", headers=auth(bob))
    assert one.json()["author_key"] == key
    without_accounts(one.text, ada, bob)

    # Moderators see the key too; a hidden post's author still reads it (through the
    # service, with the reason), by the same key.
    reported = await api.post(f"/v1/posts/{mine['id']}/reports", json={"reason": "spam"},
                              headers=auth(bob))
    assert reported.status_code == 201, reported.text
    queue = await api.get(f"/v1/consultations/{here['id']}/moderation/queue",
                          headers=MODERATOR)
    assert [i["post"]["author_key"] for i in queue.json()["items"]] == [key]
    without_accounts(queue.text, ada, bob)
    hidden = await api.post(f"/v1/posts/{mine['id']}/moderation", headers=MODERATOR,
                            json={"action": "hide", "reason": "Off the charter"})
    assert hidden.json()["author_key"] == key
    own = await api.get(page_url, headers=auth(ada))
    assert own.json()["items"][0]["hidden_reason"] == "Off the charter"
    assert own.json()["items"][0]["author_key"] == key
    without_accounts(own.text, ada, bob)

    checked = await api.put(f"/v1/posts/{theirs['id']}/fact-check", headers=EXPERT,
                            json={"status": "verified"})
    assert checked.json()["fact_check"]["expert_key"] == await author_key(api, here["id"],
                                                                           EXPERT)
    without_accounts(checked.text, "checker")


async def test_the_caller_reads_their_own_pseudonym_name_and_key(
        api: httpx.AsyncClient, work_dir: Path) -> None:
    consultation = await phased(api)
    url = f"/v1/consultations/{consultation['id']}/pseudonym"
    assert (await api.get(url)).status_code == 401
    ada = await new_account(api, work_dir / "mail", display_name="Ada")
    before = (await api.get(url, headers=ada.headers)).json()
    assert (before["pseudonym"], before["author_name"]) == (None, "Ada")
    assert (await api.put(url, json={"pseudonym": "Owl of Ada"},
                          headers=ada.headers)).status_code == 204
    after = (await api.get(url, headers=ada.headers)).json()
    assert (after["pseudonym"], after["author_name"]) == ("Owl of Ada", "Owl of Ada")
    thread = await thread_in(api, consultation)
    written = await api.post(f"/v1/threads/{thread['id']}/posts", json={"body": "Hi"},
                             headers=ada.headers)
    assert written.json()["author_key"] == after["author_key"] == before["author_key"]
    without_accounts(str(after), ada.account_id)
