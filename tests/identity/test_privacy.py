"""GDPR: a user downloads their data and erases their account; threads anonymises."""

from __future__ import annotations

from pathlib import Path

import httpx
from pymongo import AsyncMongoClient

from tests.debate import author_key
from tests.helpers import auth, create_consultation, create_thread, eventually
from tests.identity.support import PASSWORD, new_account


async def test_export_then_erasure_anonymises_authorship(
    api: httpx.AsyncClient, work_dir: Path, mongo: AsyncMongoClient[dict[str, object]],
) -> None:
    user = await new_account(api, work_dir / "mail")
    consultation = await create_consultation(api)
    granted = await api.post(f"/v1/consultations/{consultation['id']}/roles",
                             json={"account_id": user.account_id, "role": "expert"},
                             headers=auth("root~operator"))
    assert granted.status_code == 201
    thread = await create_thread(api, consultation)
    posted = await api.post(f"/v1/threads/{thread['id']}/posts", json={"body": "My idea"},
                            headers=user.headers)
    assert posted.status_code == 201
    key = await author_key(api, str(consultation["id"]), user.headers)
    assert posted.json()["author_key"] == key
    pseudonym_url = f"/v1/consultations/{consultation['id']}/pseudonym"
    assert (await api.put(pseudonym_url, json={"pseudonym": "Quiet Owl"},
                          headers=user.headers)).status_code == 204
    page_url = f"/v1/threads/{thread['id']}/posts"
    # Read once, so the gateway's page cache holds the page with the author: the erasure
    # must reach the cache too (through threads' `content.anonymised` event).
    first = (await api.get(page_url)).json()["items"][0]
    assert (first["author_key"], first["author_name"]) == (key, "Quiet Owl")

    export = await api.get("/v1/accounts/me/export", headers=user.headers)
    assert export.status_code == 200
    assert "attachment" in export.headers["content-disposition"]
    data = export.json()
    assert data["account"]["email"] == user.email
    assert "password_hash" not in data["account"]
    assert [g["role"] for g in data["grants"]] == ["expert"]
    assert [p["name"] for p in data["pseudonyms"]] == ["Quiet Owl"]
    assert len(data["sessions"]) == 1

    refused = await api.post("/v1/accounts/me/erasure", json={"password": "not my password"},
                             headers=user.headers)
    assert refused.status_code == 401
    erased = await api.post("/v1/accounts/me/erasure", json={"password": PASSWORD},
                            headers=user.headers)
    assert erased.status_code == 204

    async def authors() -> list[tuple[str | None, str | None]]:
        page = (await api.get(page_url)).json()
        return [(p["author_key"], p["author_name"]) for p in page["items"]]

    assert await eventually(authors, lambda a: a == [(None, None)])
    # The pseudonym went with the account: another participant may take it.
    other = await new_account(api, work_dir / "mail")
    assert (await api.put(pseudonym_url, json={"pseudonym": "Quiet Owl"},
                          headers=other.headers)).status_code == 204

    async def corpus_author() -> object:
        found = await mongo["agora_synthesis"]["contributions"].find_one(
            {"_id": posted.json()["id"]})
        return found["author_id"] if found else None

    assert await eventually(corpus_author, lambda a: a == "former-participant")
    login = await api.post("/v1/sessions", json={"email": user.email, "password": PASSWORD})
    assert login.status_code == 401
    # The access token still verifies for a few minutes, but the account is gone: it no
    # longer admits its holder to the consultation (the erasure dropped the cached
    # admission at once, not after its 30 s lifetime).
    assert (await api.get("/v1/accounts/me", headers=user.headers)).status_code in (403, 404)
    refused = await api.post(f"/v1/threads/{thread['id']}/posts", json={"body": "Still?"},
                             headers=user.headers)
    assert refused.status_code == 403
    again = await api.post("/v1/accounts", json={"email": user.email, "password": PASSWORD})
    assert again.status_code == 202
