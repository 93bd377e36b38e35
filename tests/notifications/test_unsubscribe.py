"""Unsubscribe links: an expired one is refused through the gateway (409), one signed
with another key is forged (403); both leave the preference as it was."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import httpx
from pymongo import AsyncMongoClient

from agora_kit.clock import now
from services.notifications.config import DEVELOPMENT_UNSUBSCRIBE_SECRET
from services.notifications.unsubscribe import Links
from tests.helpers import assert_problem, create_consultation
from tests.notifications.support import account


async def test_expired_and_foreign_links_are_refused(
        api: httpx.AsyncClient, work_dir: Path,
        mongo: AsyncMongoClient[dict[str, object]]) -> None:
    consultation = await create_consultation(api)
    who = await account(api, work_dir)
    db = mongo["agora_notifications"]
    genuine = Links(db, DEVELOPMENT_UNSUBSCRIBE_SECRET.encode(), days=60)
    foreign = Links(db, b"another deployment's secret, 32+ chars", days=60)

    def link(links: Links, at: datetime | None = None) -> str:
        return links.token(account_id=who.account_id,
                           consultation_id=str(consultation["id"]), kind="reply", at=at)

    expired = link(genuine, now() - timedelta(days=61))
    assert_problem(await api.post("/v1/notifications/unsubscribe",
                                  params={"token": expired}), 409)
    assert_problem(await api.post("/v1/notifications/unsubscribe",
                                  params={"token": link(foreign)}), 403)
    preferences = await api.get(
        f"/v1/consultations/{consultation['id']}/notification-preferences",
        headers=who.headers)
    assert preferences.json()["kinds"]["reply"]["email"] is True
    fresh = await api.post("/v1/notifications/unsubscribe",
                           params={"token": link(genuine)})
    assert fresh.status_code == 200
    assert fresh.json()["applied"] is True
