"""What happens to my post: hidden by a moderator (I am told why, in-app and by mail),
restored (in-app), and reaching a reaction milestone (once per milestone, however many
reactions are withdrawn and given again)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx

from tests.helpers import auth, create_consultation, create_thread, eventually
from tests.mailbox import Mailbox, text_of
from tests.notifications.support import account, inbox, write

MODERATOR = auth("mod", "moderator")


async def _kinds(api: httpx.AsyncClient, who: Any) -> list[str]:
    return [i["kind"] for i in (await inbox(api, who))["items"]]


async def test_hidden_and_restored_posts_tell_their_author(
        api: httpx.AsyncClient, work_dir: Path, mailbox: Mailbox) -> None:
    thread = await create_thread(api, await create_consultation(api))
    author = await account(api, work_dir)
    mine = await write(api, str(thread["id"]), author.headers, "Something borderline")
    for action in ("hide", "restore"):
        acted = await api.post(f"/v1/posts/{mine['id']}/moderation", headers=MODERATOR,
                               json={"action": action, "reason": "Personal attack"})
        assert acted.status_code == 200, acted.text
    kinds = await eventually(lambda: _kinds(api, author), lambda k: len(k) == 2)
    assert kinds == ["post_restored", "post_hidden"]
    hidden = (await inbox(api, author))["items"][1]
    assert hidden["summary"] == "A moderator hid your post. Reason: Personal attack"
    [mail] = mailbox.wait(author.email, bool)  # restored: in-app only by default
    assert "Reason: Personal attack" in text_of(mail)
    await asyncio.sleep(1)
    assert len(mailbox.to(author.email)) == 1


async def test_a_reaction_milestone_notifies_once(api: httpx.AsyncClient,
                                                  work_dir: Path) -> None:
    thread = await create_thread(api, await create_consultation(api))
    author = await account(api, work_dir)
    mine = await write(api, str(thread["id"]), author.headers, "Free buses")
    url = f"/v1/posts/{mine['id']}/reaction"
    for n in range(10):
        reacted = await api.put(url, headers=auth(f"fan-{n}"), json={"kind": "like"})
        assert reacted.status_code == 200, reacted.text
    kinds = await eventually(lambda: _kinds(api, author), lambda k: len(k) >= 1)
    assert kinds == ["reaction_milestone"]
    [item] = (await inbox(api, author))["items"]
    assert item["summary"] == "Your post reached 10 reactions"
    # Withdrawn and given again: the milestone was already told.
    assert (await api.delete(url, headers=auth("fan-0"))).status_code in (200, 204)
    assert (await api.put(url, headers=auth("fan-0"), json={"kind": "disagree"})
            ).status_code == 200
    await api.put(url, headers=auth("fan-1"), json={"kind": "disagree"})  # a change, not +1
    marker = await write(api, str(thread["id"]), auth("other"), "marker", parent_id=mine["id"])
    kinds = await eventually(lambda: _kinds(api, author), lambda k: len(k) >= 2)
    assert kinds == ["reply", "reaction_milestone"], marker
