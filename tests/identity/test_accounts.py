"""Registration, email verification, login and password change, through the gateway."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from pymongo import AsyncMongoClient

from tests.helpers import assert_problem
from tests.identity.support import (
    PASSWORD,
    login,
    mails_eventually,
    new_account,
    unique_email,
    verification_code,
)

Mongo = AsyncMongoClient[dict[str, object]]


@pytest.fixture
def mail_dir(work_dir: Path) -> Path:
    return work_dir / "mail"


def without_request_ids(body: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in body.items() if k not in ("request_id", "instance")}


async def test_registering_a_taken_email_answers_exactly_like_a_new_one(
    api: httpx.AsyncClient, mail_dir: Path
) -> None:
    email = unique_email()
    first = await api.post("/v1/accounts", json={"email": email, "password": PASSWORD})
    again = await api.post("/v1/accounts", json={"email": email.upper(), "password": PASSWORD})
    assert (first.status_code, first.json()) == (again.status_code, again.json()) == (
        202, first.json())
    subjects = sorted(m["subject"] for m in await mails_eventually(mail_dir, email, 2))
    assert subjects == ["Agora: confirm your email address", "Agora: you already have an account"]


@pytest.mark.parametrize(("password", "reason"), [
    ("short pass", "at least 12"),
    ("password1234", "too common"),
    ("QWERTYUIOP123", "too common"),
])
async def test_weak_passwords_are_refused(api: httpx.AsyncClient, password: str,
                                          reason: str) -> None:
    reply = await api.post("/v1/accounts", json={"email": unique_email(), "password": password})
    assert reply.status_code == 422
    assert reason in reply.json()["detail"]
    assert password not in reply.text


async def test_a_password_containing_the_email_is_refused(api: httpx.AsyncClient) -> None:
    email = unique_email()
    reply = await api.post("/v1/accounts",
                           json={"email": email, "password": email.split("@")[0] + "!!"})
    assert reply.status_code == 422


async def test_concurrent_registrations_of_one_email_create_one_account(
    api: httpx.AsyncClient, mongo: Mongo, mail_dir: Path
) -> None:
    email = unique_email()
    replies = await asyncio.gather(*(
        api.post("/v1/accounts", json={"email": email, "password": PASSWORD}) for _ in range(8)
    ))
    assert {r.status_code for r in replies} == {202}
    # Every registration has been handled once all eight mails are out.
    mails = await mails_eventually(mail_dir, email, 8)
    assert sorted(m["subject"] for m in mails).count("Agora: confirm your email address") == 1
    assert await mongo["agora_identity"]["accounts"].count_documents({"email": email}) == 1


async def test_the_verification_code_works_once(api: httpx.AsyncClient, mail_dir: Path) -> None:
    email = unique_email()
    await api.post("/v1/accounts", json={"email": email, "password": PASSWORD})
    code = await verification_code(mail_dir, email)
    session = await login(api, email)
    me = await api.get("/v1/accounts/me", headers=session.headers)
    assert me.json()["email_verified"] is False
    assert (await api.post("/v1/accounts/verification", json={"code": code})).status_code == 204
    used = await api.post("/v1/accounts/verification", json={"code": code})
    assert_problem(used, 422, "code")  # the body's field, not identity's `token`
    me = await api.get("/v1/accounts/me", headers=session.headers)
    assert (me.json()["email"], me.json()["email_verified"]) == (email, True)


async def test_codes_are_stored_hashed(api: httpx.AsyncClient, mail_dir: Path,
                                       mongo: Mongo) -> None:
    email = unique_email()
    await api.post("/v1/accounts", json={"email": email, "password": PASSWORD})
    code = await verification_code(mail_dir, email)
    assert await mongo["agora_identity"]["email_tokens"].count_documents({"_id": code}) == 0
    account = await mongo["agora_identity"]["accounts"].find_one({"email": email})
    assert account is not None
    assert str(account["password_hash"]).startswith("$argon2id$")


async def test_wrong_password_and_unknown_email_look_the_same(
    api: httpx.AsyncClient, mail_dir: Path
) -> None:
    session = await new_account(api, mail_dir)
    wrong = await api.post("/v1/sessions", json={"email": session.email, "password": "x" * 14})
    unknown = await api.post("/v1/sessions",
                             json={"email": unique_email(), "password": "x" * 14})
    assert wrong.status_code == unknown.status_code == 401
    assert without_request_ids(wrong.json()) == without_request_ids(unknown.json())


async def test_another_users_account_is_404_not_403(api: httpx.AsyncClient,
                                                   mail_dir: Path) -> None:
    alice = await new_account(api, mail_dir)
    bob = await new_account(api, mail_dir)
    assert (await api.get(f"/v1/accounts/{alice.account_id}",
                          headers=alice.headers)).status_code == 200
    peek = await api.get(f"/v1/accounts/{alice.account_id}", headers=bob.headers)
    assert peek.status_code == 404
    assert alice.email not in peek.text


async def test_password_change_ends_every_session(api: httpx.AsyncClient,
                                                  mail_dir: Path) -> None:
    session = await new_account(api, mail_dir)
    new_password = "a much better passphrase 42"
    wrong = await api.put("/v1/accounts/me/password", headers=session.headers,
                          json={"current_password": "not it at all!", "new_password": new_password})
    assert wrong.status_code == 401
    changed = await api.put("/v1/accounts/me/password", headers=session.headers,
                            json={"current_password": PASSWORD, "new_password": new_password})
    assert changed.status_code == 204
    stale = await api.post("/v1/sessions/refresh", json={"refresh_token": session.refresh_token})
    assert stale.status_code == 401
    old = await api.post("/v1/sessions", json={"email": session.email, "password": PASSWORD})
    assert old.status_code == 401
    await login(api, session.email, new_password)


async def test_password_reset_by_mailed_code(api: httpx.AsyncClient, mail_dir: Path) -> None:
    session = await new_account(api, mail_dir)
    unknown = await api.post("/v1/accounts/password-reset", json={"email": unique_email()})
    known = await api.post("/v1/accounts/password-reset", json={"email": session.email})
    assert (known.status_code, known.json()) == (unknown.status_code, unknown.json())
    mails = await mails_eventually(mail_dir, session.email, 1, "reset")
    code = mails[0]["body"].split("\n\n")[1].strip()
    new_password = "reset passphrase that is long"
    # A reset code is not a verification code, and vice versa.
    assert (await api.post("/v1/accounts/verification", json={"code": code})).status_code == 422
    confirm = {"code": code, "new_password": new_password}
    assert (await api.post("/v1/accounts/password-reset/confirmation",
                           json=confirm)).status_code == 204
    assert (await api.post("/v1/accounts/password-reset/confirmation",
                           json=confirm)).status_code == 422
    stale = await api.post("/v1/sessions/refresh", json={"refresh_token": session.refresh_token})
    assert stale.status_code == 401
    await login(api, session.email, new_password)
