"""An erased account gets nothing, ever: its notifications and follows go when identity
announces the erasure (`user.erased`), and later replies to its posts notify nobody."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from pymongo import AsyncMongoClient

from tests.helpers import auth, create_consultation, create_thread, eventually
from tests.identity.support import PASSWORD
from tests.mailbox import Mailbox
from tests.notifications.support import account, reply, unread, write


async def test_an_erased_account_gets_no_notification_and_no_mail(
        api: httpx.AsyncClient, work_dir: Path, mailbox: Mailbox,
        mongo: AsyncMongoClient[dict[str, object]]) -> None:
    consultation = await create_consultation(api)
    thread = await create_thread(api, consultation)
    leaving, staying = await account(api, work_dir), await account(api, work_dir)
    theirs = await write(api, str(thread["id"]), leaving.headers, "Night buses")
    elsewhere = await create_thread(api, consultation)  # not a thread `leaving` follows
    ours = await write(api, str(elsewhere["id"]), staying.headers, "Day buses")
    await reply(api, theirs, auth("early"))
    await eventually(lambda: unread(api, leaving), lambda n: n == 1)
    mailbox.wait(leaving.email, bool)
    db = mongo["agora_notifications"]

    async def held() -> int:
        return sum([await db[name].count_documents({"account_id": leaving.account_id})
                    for name in ("notifications", "subscriptions", "mails")])

    assert await held() > 0
    erased = await api.post("/v1/accounts/me/erasure", headers=leaving.headers,
                            json={"password": PASSWORD})
    assert erased.status_code == 204, erased.text
    await eventually(held, lambda n: n == 0)

    await reply(api, theirs, auth("late"))
    await reply(api, ours, auth("late"))  # a marker: once it arrives, the other was handled
    await eventually(lambda: unread(api, staying), lambda n: n == 1)
    await asyncio.sleep(1)
    assert await held() == 0
    assert len(mailbox.to(leaving.email)) == 1
