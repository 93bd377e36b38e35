"""No duplicate under a killed consumer: the notifications process is killed (SIGKILL)
while replies stream in and started again; every (event, recipient) has exactly one
notification and its mail. Mail is at-least-once only at one point: a kill between the SMTP
server accepting a mail and its "sent" mark sends that one mail again, with the same
Message-ID (the mailer sends one at a time, so one kill resends at most one)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from pymongo import AsyncMongoClient

from devstack import processes
from devstack.stack import Stack
from tests.helpers import auth, create_consultation, create_thread, eventually
from tests.mailbox import Mailbox
from tests.notifications.support import account, reply, write

REPLIES = 60


async def test_a_killed_consumer_makes_each_notification_and_mail_once(
        api: httpx.AsyncClient, work_dir: Path, mailbox: Mailbox, stack: Stack,
        mongo: AsyncMongoClient[dict[str, object]]) -> None:
    consultation = await create_consultation(api)
    thread = await create_thread(api, consultation)
    author = await account(api, work_dir)
    mine = await write(api, str(thread["id"]), author.headers, "Car-free city centres")
    notifications = mongo["agora_notifications"]["notifications"]

    async def produced() -> int:
        return await notifications.count_documents({"account_id": author.account_id})

    async def burst() -> list[str]:
        replies = []
        for n in range(REPLIES):
            replies.append((await reply(api, mine, auth(f"burst-{n}"), body=f"r{n}"))["id"])
        return replies

    writing = asyncio.create_task(burst())
    at_kill = await eventually(produced, lambda n: n >= 5, within=30, interval=0.02)
    stack.children["notifications"].kill()
    assert at_kill < REPLIES, "the consumer was done before the kill: nothing was tested"
    await asyncio.sleep(0.5)
    child = stack.start_service("notifications")
    await asyncio.to_thread(processes.wait_serving, child, stack.config.address("notifications"))
    replies = await writing

    await eventually(produced, lambda n: n >= REPLIES, within=60)
    mails = await asyncio.to_thread(mailbox.wait, author.email,
                                    lambda m: len(m) >= REPLIES, 60)
    await asyncio.sleep(3)  # time for any duplicate to show
    docs = [d async for d in notifications.find({"account_id": author.account_id})]
    assert sorted(str(d["post_id"]) for d in docs) == sorted(replies)
    assert len({d["event_id"] for d in docs}) == REPLIES
    mails = mailbox.to(author.email)
    assert len({m["Message-ID"] for m in mails}) == REPLIES, "one mail per notification"
    assert REPLIES <= len(mails) <= REPLIES + 1, "at most the mail in flight is resent"
