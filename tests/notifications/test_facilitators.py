"""The facilitators' notifications, through the gateway, with their roles granted in
identity (the service learns them from `role.granted`): moderators hear of items
waiting in the moderation queue, grouped (at most one per consultation and
MODERATION_ALERT_SECONDS, 3 s in tests: an hour in production), and synthesisers of a
new contest of a paragraph (not the contester, not a bystander). Redelivered events
count for nothing, and an erased facilitator gets nothing."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
from nats.aio.client import Client as NatsClient

from tests.helpers import auth, create_consultation, create_thread, eventually
from tests.identity.support import PASSWORD
from tests.mailbox import Mailbox, text_of
from tests.notifications.support import Session, account, inbox, redeliver, unread, write

OPERATOR = auth("root", "operator")
ALERT_SECONDS = 3.0  # MODERATION_ALERT_SECONDS in the stack fixture
Json = dict[str, Any]


async def _grant(api: httpx.AsyncClient, cid: str, who: Session, role: str) -> None:
    granted = await api.post(f"/v1/consultations/{cid}/roles", headers=OPERATOR,
                             json={"account_id": who.account_id, "role": role})
    assert granted.status_code == 201, granted.text


async def _items(api: httpx.AsyncClient, who: Session, kind: str) -> list[Json]:
    return [i for i in (await inbox(api, who))["items"] if i["kind"] == kind]


async def _erase(api: httpx.AsyncClient, who: Session) -> None:
    erased = await api.post("/v1/accounts/me/erasure", headers=who.headers,
                            json={"password": PASSWORD})
    assert erased.status_code == 204, erased.text


async def _report(api: httpx.AsyncClient, post: Json, reporter: str) -> None:
    reported = await api.post(f"/v1/posts/{post['id']}/reports", headers=auth(reporter),
                              json={"reason": "spam"})
    assert reported.status_code == 201, reported.text


async def test_moderators_hear_of_the_queue_grouped_not_once_per_item(
        api: httpx.AsyncClient, work_dir: Path, mailbox: Mailbox, nc: NatsClient) -> None:
    consultation = await create_consultation(api)
    cid = str(consultation["id"])
    thread = await create_thread(api, consultation)
    moderator, leaving, participant = [await account(api, work_dir) for _ in range(3)]
    for who in (moderator, leaving):
        await _grant(api, cid, who, "moderator")
    await _erase(api, leaving)
    post = await write(api, str(thread["id"]), participant.headers, "Buy cheap watches here")
    await asyncio.sleep(1)  # the grant is consumed before the first report
    await _report(api, post, "reporter-1")
    [first] = await eventually(lambda: _items(api, moderator, "moderation_waiting"), bool)
    assert first["summary"] == "A new item is waiting in the moderation queue"
    [mail] = mailbox.wait(moderator.email, bool)
    assert f"/v1/consultations/{cid}/moderation/queue" in text_of(mail)
    # Three more within the window (and one redelivered): one more notification, later,
    # counting the three.
    for n in range(2, 5):
        await _report(api, post, f"reporter-{n}")
    await redeliver(nc, cid, "moderation.post_reported")
    await asyncio.sleep(ALERT_SECONDS / 2)
    assert len(await _items(api, moderator, "moderation_waiting")) == 1
    items = await eventually(lambda: _items(api, moderator, "moderation_waiting"),
                             lambda found: len(found) == 2)
    assert items[0]["summary"] == "3 new items are waiting in the moderation queue"
    await asyncio.sleep(ALERT_SECONDS + 1)  # nothing new came in: nothing more is said
    assert len(await _items(api, moderator, "moderation_waiting")) == 2
    assert len(mailbox.to(moderator.email)) == 2
    assert await _items(api, participant, "moderation_waiting") == []
    assert mailbox.to(leaving.email) == []


async def test_synthesisers_hear_of_a_new_contest(api: httpx.AsyncClient, work_dir: Path,
                                                 mailbox: Mailbox, nc: NatsClient) -> None:
    consultation = await create_consultation(api)
    cid = str(consultation["id"])
    writer, revoked, leaving, contester = [await account(api, work_dir) for _ in range(4)]
    for who in (writer, revoked, leaving):
        await _grant(api, cid, who, "synthesiser")
    await _erase(api, leaving)
    gone = await api.delete(f"/v1/consultations/{cid}/roles/{revoked.account_id}/synthesiser",
                            headers=OPERATOR)
    assert gone.status_code == 204, gone.text
    created = await api.post(f"/v1/consultations/{cid}/syntheses", headers=writer.headers,
                             json={"title": "Mobility"})
    assert created.status_code == 201, created.text
    url = str(created.headers["Location"])
    saved = await api.put(f"{url}/draft", headers=writer.headers,
                          json={"paragraphs": [{"text": "Buses came up less."}]})
    assert saved.status_code == 200, saved.text
    version = await api.post(f"{url}/versions", headers=writer.headers)
    assert version.status_code == 201, version.text
    anchor = version.json()["paragraphs"][0]["anchor"]
    contest = await api.post(f"{url}/versions/1/paragraphs/{anchor}/contests",
                             headers=contester.headers, json={"body": "Buses came up a lot!"})
    assert contest.status_code == 201, contest.text
    [item] = await eventually(lambda: _items(api, writer, "contest_opened"), bool)
    assert item["summary"] == "A paragraph of the synthesis \u201cMobility\u201d was contested"
    [mail] = mailbox.wait(writer.email, lambda m: any("contested" in x["Subject"] for x in m))
    assert f"/syntheses/{url.rsplit('/', 1)[1]}/versions/1" in text_of(mail)
    await redeliver(nc, cid, "contest.opened")
    await asyncio.sleep(2)
    assert len(await _items(api, writer, "contest_opened")) == 1
    assert len(mailbox.to(writer.email)) == 1
    for other in (revoked, contester):
        assert await unread(api, other) == 0
    assert mailbox.to(leaving.email) == []
