"""A vote session closing within 24 h: followers of its consultation who have not voted
(as `ballot.submitted` tells) are told once, when the moment comes (scheduled from the
session's `closes_at` on its events, not by asking voting), with two replicas of the
notifications service running, and never again whatever redeliveries; a voter, an erased
follower and a bystander are not told."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from nats.aio.client import Client as NatsClient
from pymongo import AsyncMongoClient

from devstack import processes
from devstack.stack import Stack
from tests.helpers import eventually
from tests.identity.support import PASSWORD
from tests.mailbox import Mailbox, text_of
from tests.notifications.support import Session, account, inbox, redeliver, unread
from tests.voting.support import allocation, create_session, ids, prioritising

NOTICE = timedelta(hours=24)  # VOTE_CLOSING_NOTICE_SECONDS: the production default
LATER = 8.0  # seconds until the session enters its last 24 h


async def _closing(api: httpx.AsyncClient, who: Session) -> list[str]:
    return [i["summary"] for i in (await inbox(api, who))["items"]
            if i["kind"] == "vote_closing_soon"]


async def test_the_last_day_of_a_vote_tells_followers_who_have_not_voted_once(
        api: httpx.AsyncClient, work_dir: Path, mailbox: Mailbox, nc: NatsClient,
        mongo: AsyncMongoClient[dict[str, object]], stack: Stack) -> None:
    replica = stack.config.env("notifications") | {
        "GRPC_PORT": str(processes.free_port()), "METRICS_PORT": str(processes.free_port())}
    (work_dir / "replica").mkdir(exist_ok=True)
    second = processes.service("notifications", replica, work_dir / "replica").start()
    try:
        await asyncio.to_thread(processes.wait_serving, second,
                                f"127.0.0.1:{replica['GRPC_PORT']}")
        await _last_day(api, work_dir, mailbox, nc, mongo)
    finally:
        second.stop()


async def _last_day(api: httpx.AsyncClient, work_dir: Path, mailbox: Mailbox,
                    nc: NatsClient, mongo: AsyncMongoClient[dict[str, object]]) -> None:
    cid = await prioritising(api)
    waiting, voter, leaving, bystander = [await account(api, work_dir) for _ in range(4)]
    for who in (waiting, voter, leaving):
        followed = await api.put(f"/v1/consultations/{cid}/subscriptions/consultation/{cid}",
                                 headers=who.headers)
        assert followed.status_code == 200, followed.text
    erased = await api.post("/v1/accounts/me/erasure", headers=leaving.headers,
                            json={"password": PASSWORD})
    assert erased.status_code == 204, erased.text
    closes_at = datetime.now(UTC) + NOTICE + timedelta(seconds=LATER)
    session = await create_session(api, consultation_id=cid, closes_at=closes_at.isoformat())
    (p0, *_), (green, _red) = ids(session)
    ballot = await api.put(f"/v1/vote-sessions/{session['id']}/ballot", headers=voter.headers,
                           json={"allocations": [allocation(p0, green, 2)]})
    assert ballot.status_code == 200, ballot.text
    # Not yet: more than 24 h remain (the vote opening is told at once, though).
    await eventually(lambda: unread(api, waiting), lambda n: n == 1)
    assert await _closing(api, waiting) == []

    said = "The vote closes in less than 24 hours: you have not voted yet"
    assert await eventually(lambda: _closing(api, waiting), bool, within=LATER + 20) == [said]
    [_, mail] = mailbox.wait(waiting.email, lambda m: len(m) >= 2)
    assert said in mail["Subject"]
    assert f"/v1/vote-sessions/{session['id']}" in text_of(mail)

    # The session's events again, as a redelivery or a restart's replay brings them.
    for event_type in ("vote_session.created", "vote_session.opened"):
        await redeliver(nc, cid, event_type)
    await asyncio.sleep(3)
    assert await _closing(api, waiting) == [said]
    assert len(mailbox.to(waiting.email)) == 2
    notices = mongo["agora_notifications"]["notifications"]
    assert await notices.count_documents(
        {"event_id": f"vote_closing_soon:{session['id']}"}) == 1
    assert await _closing(api, voter) == []
    assert await unread(api, bystander) == 0
    assert mailbox.to(leaving.email) == []
