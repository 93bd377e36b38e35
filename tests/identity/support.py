"""Accounts for the identity tests: register, read the mailed code, verify, log in."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.helpers import eventually

PASSWORD = "correct horse battery staple 7"


def unique_email(domain: str = "example.org") -> str:
    return f"user{time.time_ns()}@{domain}"


def mails_to(mail_dir: Path, email: str) -> list[dict[str, str]]:
    found = []
    for path in sorted(mail_dir.glob("*.json")):
        mail: dict[str, str] = json.loads(path.read_text())
        if mail["to"] == email:
            found.append(mail)
    return found


async def mails_eventually(mail_dir: Path, email: str, count: int,
                           subject: str = "") -> list[dict[str, str]]:
    """The mails to email (whose subject contains subject) once there are count of them:
    registration answers at once and mails from the background."""
    def matching() -> list[dict[str, str]]:
        return [m for m in mails_to(mail_dir, email) if subject in m["subject"]]

    async def probe() -> list[dict[str, str]]:
        return matching()

    return await eventually(probe, lambda found: len(found) >= count)


async def verification_code(mail_dir: Path, email: str) -> str:
    mails = await mails_eventually(mail_dir, email, 1, "confirm")
    assert len(mails) == 1, mails
    return mails[0]["body"].split("\n\n")[1].strip()


@dataclass
class Session:
    email: str
    account_id: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


async def login(api: httpx.AsyncClient, email: str, password: str = PASSWORD) -> Session:
    reply = await api.post("/v1/sessions", json={"email": email, "password": password})
    assert reply.status_code == 200, reply.text
    body = reply.json()
    return Session(email=email, account_id=body["account_id"],
                   access_token=body["access_token"], refresh_token=body["refresh_token"])


async def new_account(api: httpx.AsyncClient, mail_dir: Path, *, domain: str = "example.org",
                      verify: bool = True, display_name: str = "") -> Session:
    email = unique_email(domain)
    reply = await api.post("/v1/accounts", json={"email": email, "password": PASSWORD,
                                                 "display_name": display_name})
    assert reply.status_code == 202, reply.text
    code = await verification_code(mail_dir, email)  # also: the account now exists
    if verify:
        verified = await api.post("/v1/accounts/verification", json={"code": code})
        assert verified.status_code == 204, verified.text
    return await login(api, email)
