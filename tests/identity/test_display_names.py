"""Display names (services/identity/display_names.py): optional, never taken from the
email, checked like pseudonyms; the old email default dropped at start-up."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest
from pymongo import AsyncMongoClient

from services.identity.display_names import forget_email_defaults
from tests.helpers import assert_problem, create_consultation, create_thread
from tests.identity.support import PASSWORD, login, new_account, unique_email, verification_code

Mongo = AsyncMongoClient[dict[str, object]]


@pytest.fixture
def mail_dir(work_dir: Path) -> Path:
    return work_dir / "mail"


async def test_an_author_without_a_display_name_shows_nothing_of_their_email(
        api: httpx.AsyncClient, mail_dir: Path) -> None:
    """Registration without a display name used to name the account after its email's
    local part, which every reader then saw beside its posts in every consultation."""
    consultation = await create_consultation(api)
    thread = await create_thread(api, consultation)
    ada = await new_account(api, mail_dir)
    local_part = ada.email.partition("@")[0]
    me = (await api.get("/v1/accounts/me", headers=ada.headers)).json()
    assert (me["email"], me["display_name"]) == (ada.email, None)

    written = await api.post(f"/v1/threads/{thread['id']}/posts", json={"body": "Hello"},
                             headers=ada.headers)
    assert written.status_code == 201, written.text
    assert written.json()["author_name"] is None
    key = written.json()["author_key"]
    assert key  # what a front-end labels the author by
    page = await api.get(f"/v1/threads/{thread['id']}/posts")
    one = await api.get(f"/v1/posts/{written.json()['id']}")
    assert [(p["author_key"], p["author_name"]) for p in page.json()["items"]] == [(key, None)]
    assert (one.json()["author_key"], one.json()["author_name"]) == (key, None)
    own = (await api.get(f"/v1/consultations/{consultation['id']}/pseudonym",
                         headers=ada.headers)).json()
    assert own == {"pseudonym": None, "author_name": None, "author_key": key}
    for reply in (written, page, one):
        assert local_part not in reply.text


async def test_display_names_are_normalised_and_checked_like_pseudonyms(
        api: httpx.AsyncClient, mail_dir: Path) -> None:
    ada = await new_account(api, mail_dir, display_name=" Ada\u200b  Love\u00adlace\ufeff ")
    me = (await api.get("/v1/accounts/me", headers=ada.headers)).json()
    assert me["display_name"] == "Ada Lovelace"  # as every reader will see it

    for refused, why in (("   ", "visible character"), ("\u200b\u2066", "visible character"),
                         ("ada@corp.example", "'@'"), ("ada\uff20corp.example", "'@'"),
                         ("\u0410da Lovelace", "scripts"), ("Ada\x07", "control"),
                         ("x" * 81, "at most 80")):
        email = unique_email()
        reply = await api.post("/v1/accounts", json={"email": email, "password": PASSWORD,
                                                     "display_name": refused})
        assert_problem(reply, 422)
        assert reply.json()["errors"][0]["field"] == "display_name", (refused, reply.text)
        assert why in reply.json()["detail"], (refused, reply.text)
    # Not unique: two people may both be called Ada.
    bob = unique_email()
    taken = await api.post("/v1/accounts", json={"email": bob, "password": PASSWORD,
                                                 "display_name": "Ada Lovelace"})
    assert taken.status_code == 202, taken.text
    await verification_code(mail_dir, bob)  # the account exists
    me = (await api.get("/v1/accounts/me", headers=(await login(api, bob)).headers)).json()
    assert me["display_name"] == "Ada Lovelace"


async def test_display_names_defaulted_from_the_email_are_dropped_at_start(
        mongo: Mongo) -> None:
    db = mongo[f"display_names_{uuid.uuid4().hex[:8]}"]
    accounts = db["accounts"]
    await accounts.insert_many([
        {"_id": "a", "email": "john.smith@corp.example", "display_name": "john.smith"},
        {"_id": "b", "email": "ada@corp.example", "display_name": "Ada Lovelace"},
        {"_id": "c", "email": "jo@corp.example", "display_name": "Jo"},  # not the default
        # Chosen under the rule: "kim" is what Kim typed, not a default; left alone.
        {"_id": "d", "email": "kim@corp.example", "display_name": "kim",
         "display_name_chosen": True}])

    assert await forget_email_defaults(accounts) == 1
    assert await forget_email_defaults(accounts) == 0  # idempotent
    stored = {d["_id"]: (d["display_name"], d["display_name_chosen"])
              async for d in accounts.find()}
    assert stored == {"a": ("", False), "b": ("Ada Lovelace", True), "c": ("Jo", True),
                      "d": ("kim", True)}
    await mongo.drop_database(db.name)
