"""The daily digest: one mail per account and window, grouped by consultation and theme,
in the recipient's language, never empty, once even with two replicas running; its
one-click link stops the digests."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import httpx

from devstack import processes
from devstack.stack import Stack
from tests.helpers import auth, create_consultation, create_thread
from tests.mailbox import Mailbox, text_of
from tests.notifications.support import account, write

LINK = re.compile(r"<(http[^>]+/v1/notifications/unsubscribe\?token=([^>]+))>")
DAY = 4.0  # DIGEST_DAY_SECONDS in the stack fixture


async def test_daily_digests_in_two_languages_once_per_window_with_two_replicas(
        api: httpx.AsyncClient, work_dir: Path, mailbox: Mailbox, stack: Stack) -> None:
    env = {**stack.config.env("notifications"), "GRPC_PORT": str(processes.free_port()),
           "METRICS_PORT": str(processes.free_port())}
    second = processes.service("notifications", env, work_dir / "notifications-2").start()
    try:
        processes.wait_serving(second, f"127.0.0.1:{env['GRPC_PORT']}", 60)
        await _digests(api, work_dir, mailbox)
    finally:
        second.stop()


async def _digests(api: httpx.AsyncClient, work_dir: Path, mailbox: Mailbox) -> None:
    consultation = await create_consultation(api)
    cid = consultation["id"]
    thread = await create_thread(api, consultation)
    french, english, idle = [await account(api, work_dir) for _ in range(3)]
    for who, language in ((french, "fr"), (english, "en"), (idle, "fr")):
        chosen = await api.put(f"/v1/consultations/{cid}/notification-preferences",
                               headers=who.headers, json={"language": language})
        assert chosen.status_code == 200
        assert chosen.json()["language"] == language
    for who in (french, english):
        followed = await api.put(f"/v1/consultations/{cid}/subscriptions/thread/{thread['id']}",
                                 headers=who.headers)
        assert followed.status_code == 200, followed.text
        assert followed.json()["active"] is True
        assert followed.json()["implicit"] is False
    # idle follows a theme where nothing happens: it must get no (empty) digest.
    themes = consultation["themes"]
    assert isinstance(themes, list)
    quiet = await api.put(f"/v1/consultations/{cid}/subscriptions/theme/{themes[1]['id']}",
                          headers=idle.headers)
    assert quiet.status_code == 200, quiet.text

    for n in range(3):
        await write(api, str(thread["id"]), auth(f"writer-{n}"), f"Idea number {n}")
    for who in (french, english):
        mails = mailbox.wait(who.email, bool, timeout=3 * DAY + 10)
        assert len(mails) == 1, [m["Subject"] for m in mails]
    await asyncio.sleep(2 * DAY)  # a second replica, or a rerun, would have sent by now
    [fr], [en] = mailbox.to(french.email), mailbox.to(english.email)
    assert mailbox.to(idle.email) == []

    assert fr["Subject"] == "Votre résumé Agora quotidien : 3 nouveautés"
    assert en["Subject"] == "Your daily Agora digest: 3 new"
    fr_text, en_text = text_of(fr), text_of(en)
    assert "== The future of work ==" in fr_text
    assert "-- Theme 0 --" in fr_text
    assert fr_text.count("a écrit dans une conversation que vous suivez") == 3
    assert en_text.count("wrote in a conversation you follow") == 3
    assert [line for line in en_text.splitlines() if "Idea number" in line] == [
        "  > Idea number 0", "  > Idea number 1", "  > Idea number 2"]
    assert fr["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert '<html lang="fr">' in text_of(fr, "html")

    # The digest's one-click link stops digests for that account, not for others.
    found = LINK.fullmatch(fr["List-Unsubscribe"])
    assert found is not None
    clicked = await api.post(found.group(1).split("?")[0], params={"token": found.group(2)})
    assert clicked.status_code == 200
    assert clicked.json()["kind"] == "digest:daily"
    await write(api, str(thread["id"]), auth("writer-late"), "A late idea")
    assert len(mailbox.wait(english.email, lambda m: len(m) >= 2, timeout=3 * DAY + 10)) == 2
    await asyncio.sleep(DAY)
    assert len(mailbox.to(french.email)) == 1
