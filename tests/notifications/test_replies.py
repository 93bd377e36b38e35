"""A reply to my post: one in-app notification (unread count, list, cursor pages, mark
read) and one mail over real SMTP with RFC 8058 one-click unsubscribe headers; the link
turns the channel off, and forged, replayed or expired links are refused."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from devstack.stack import Stack
from tests.helpers import (
    assert_problem,
    auth,
    create_consultation,
    create_thread,
    eventually,
    metric_value,
)
from tests.mailbox import Mailbox, text_of
from tests.notifications.support import account, inbox, reply, unread, write

LINK = re.compile(r"<(http[^>]+/v1/notifications/unsubscribe\?token=([^>]+))>")


async def test_a_reply_notifies_the_author_in_app_and_by_mail(
        api: httpx.AsyncClient, work_dir: Path, mailbox: Mailbox) -> None:
    consultation = await create_consultation(api)
    thread = await create_thread(api, consultation)
    author = await account(api, work_dir)
    mine = await write(api, str(thread["id"]), author.headers, "Four-day weeks for all")

    first = await reply(api, mine, auth("replier-one"))
    assert await eventually(lambda: unread(api, author), lambda n: n == 1) == 1
    page = await inbox(api, author)
    [item] = page["items"]
    assert item["kind"] == "reply"
    assert item["post_id"] == first["id"]
    assert item["summary"] == "Someone replied to your post"
    assert item["language"] == "en"
    assert item["excerpt"] == "I disagree, and here is why"
    assert not item["read"]

    [mail] = mailbox.wait(author.email, lambda m: len(m) >= 1)
    assert "replied to your post" in mail["Subject"]
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert LINK.fullmatch(mail["List-Unsubscribe"]), mail["List-Unsubscribe"]
    assert "I disagree, and here is why" in text_of(mail)
    assert "<blockquote>I disagree, and here is why</blockquote>" in text_of(mail, "html")
    assert "The future of work" in text_of(mail)
    # The replier is not notified of their own reply; nobody else follows the post.
    assert await unread(api, author) == 1

    # Cursor pages, newest first; marking read.
    for n in range(2):
        await reply(api, mine, auth(f"replier-{n}"), body=f"reply {n}")
    await eventually(lambda: unread(api, author), lambda n: n == 3)
    one = await inbox(api, author, limit=2)
    two = await inbox(api, author, limit=2, cursor=one["next_cursor"])
    assert [i["excerpt"] for i in one["items"]] == ["reply 1", "reply 0"]
    assert [i["post_id"] for i in two["items"]] == [first["id"]]
    assert two["next_cursor"] is None
    marked = await api.post("/v1/notifications/read", headers=author.headers,
                            json={"ids": [one["items"][0]["id"]]})
    assert marked.json() == {"marked": 1}
    assert await unread(api, author) == 2
    # Someone else's ids change nothing.
    other = await account(api, work_dir)
    foreign = await api.post("/v1/notifications/read", headers=other.headers,
                             json={"ids": [two["items"][0]["id"]]})
    assert foreign.json() == {"marked": 0}
    assert await unread(api, author) == 2
    everything = await api.post("/v1/notifications/read", headers=author.headers,
                                json={"all": True})
    assert everything.json() == {"marked": 2}
    assert await unread(api, author) == 0


async def test_the_unsubscribe_link_turns_mail_off_once_and_refuses_forgeries(
        api: httpx.AsyncClient, work_dir: Path, mailbox: Mailbox) -> None:
    consultation = await create_consultation(api)
    thread = await create_thread(api, consultation)
    author = await account(api, work_dir)
    mine = await write(api, str(thread["id"]), author.headers, "Public libraries at night")
    await reply(api, mine, auth("someone"))
    [mail] = mailbox.wait(author.email, lambda m: len(m) >= 1)
    found = LINK.fullmatch(mail["List-Unsubscribe"])
    assert found is not None
    token = found.group(2)

    seen = await api.get("/v1/notifications/unsubscribe", params={"token": token})
    assert seen.status_code == 200, seen.text
    assert seen.json() == {"consultation_id": consultation["id"], "kind": "reply",
                           "channel": "email", "applied": False}
    # What a mail client sends for RFC 8058 one-click: a form body, no session.
    clicked = await api.post("/v1/notifications/unsubscribe", params={"token": token},
                             content="List-Unsubscribe=One-Click",
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert clicked.status_code == 200, clicked.text
    assert clicked.json()["applied"] is True
    replayed = await api.post("/v1/notifications/unsubscribe", params={"token": token})
    assert_problem(replayed, 409)
    body, mac = token.split(".")
    forged = await api.post("/v1/notifications/unsubscribe",
                            params={"token": f"{body}.{mac[:-2]}AA"})
    assert_problem(forged, 403)
    assert_problem(await api.get("/v1/notifications/unsubscribe",
                                 params={"token": "not-a-token"}), 403)

    preferences = await api.get(
        f"/v1/consultations/{consultation['id']}/notification-preferences",
        headers=author.headers)
    assert preferences.json()["kinds"]["reply"] == {"in_app": True, "email": False,
                                                    "cadence": "immediate"}
    await reply(api, mine, auth("someone-else"))
    await eventually(lambda: unread(api, author), lambda n: n == 2)
    assert len(mailbox.wait(author.email, lambda m: len(m) > 1, timeout=3)) == 1


async def _metrics(stack: Stack) -> str:
    port = stack.config.metrics_ports["notifications"]
    async with httpx.AsyncClient() as client:
        return (await client.get(f"http://127.0.0.1:{port}/metrics")).text


async def test_notifications_and_mails_are_counted(api: httpx.AsyncClient, work_dir: Path,
                                                   mailbox: Mailbox, stack: Stack) -> None:
    before = await _metrics(stack)
    thread = await create_thread(api, await create_consultation(api))
    author = await account(api, work_dir)
    mine = await write(api, str(thread["id"]), author.headers, "Counted")
    await reply(api, mine, auth("counter"))
    mailbox.wait(author.email, bool)
    after = await eventually(lambda: _metrics(stack), lambda text: metric_value(
        text, "agora_notification_mails_total", outcome="sent") > metric_value(
        before, "agora_notification_mails_total", outcome="sent"))
    for name, labels in (("agora_notifications_produced_total", {"kind": "reply"}),
                         ("agora_notification_inbox_lag_seconds_count", {})):
        assert metric_value(after, name, **labels) > metric_value(before, name, **labels)
