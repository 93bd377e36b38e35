"""A moderator's or strategist's announcement (POST /v1/consultations/{id}/announcements):
its participants (followers, and whoever wrote in it) or only its followers are told once,
in their language where it was written, never the author; a redelivered event changes
nothing, an erased account gets nothing, and bad input is a problem+json refusal."""

from __future__ import annotations

import asyncio
from functools import partial
from pathlib import Path
from typing import Any

import httpx
from nats.aio.client import Client as NatsClient

from tests.debate import MODERATOR, STRATEGIST
from tests.helpers import assert_problem, auth, create_consultation, create_thread, eventually
from tests.identity.support import PASSWORD
from tests.mailbox import Mailbox, text_of
from tests.notifications.support import Session, account, inbox, redeliver, unread, write

Json = dict[str, Any]
TEXTS = {"en": {"title": "Workshop on Saturday", "body": "Join us at the town hall at 10."},
         "fr": {"title": "Atelier samedi", "body": "Rendez-vous à la mairie à 10 h."}}


def _url(cid: str) -> str:
    return f"/v1/consultations/{cid}/announcements"


async def _announcements(api: httpx.AsyncClient, who: Session) -> list[Json]:
    return [i for i in (await inbox(api, who))["items"] if i["kind"] == "announcement"]


async def _follow(api: httpx.AsyncClient, who: Session, cid: str) -> None:
    followed = await api.put(f"/v1/consultations/{cid}/subscriptions/consultation/{cid}",
                             headers=who.headers)
    assert followed.status_code == 200, followed.text


async def test_an_announcement_reaches_participants_once_in_their_language(
        api: httpx.AsyncClient, work_dir: Path, mailbox: Mailbox, nc: NatsClient) -> None:
    consultation = await create_consultation(api)
    cid = str(consultation["id"])
    thread = await create_thread(api, consultation)
    follower, french, writer, leaving, bystander = [
        await account(api, work_dir) for _ in range(5)]
    await write(api, str(thread["id"]), writer.headers, "Shorter commutes")
    for who in (follower, french, leaving):  # after the post: no new_post to digest
        await _follow(api, who, cid)
    chosen = await api.put(f"/v1/consultations/{cid}/notification-preferences",
                           headers=french.headers, json={"language": "fr"})
    assert chosen.status_code == 200, chosen.text
    erased = await api.post("/v1/accounts/me/erasure", headers=leaving.headers,
                            json={"password": PASSWORD})
    assert erased.status_code == 204, erased.text
    other = await create_consultation(api)  # a bystander follows another consultation
    await _follow(api, bystander, str(other["id"]))

    made = await api.post(_url(cid), headers=MODERATOR, json={"texts": TEXTS})
    assert made.status_code == 201, made.text
    assert made.json()["audience"] == "participants"
    assert made.json()["texts"]["fr"]["title"] == "Atelier samedi"
    for who, said, body in ((follower, "Announcement: Workshop on Saturday", "town hall"),
                            (writer, "Announcement: Workshop on Saturday", "town hall"),
                            (french, "Annonce : Atelier samedi", "mairie")):
        [item] = await eventually(partial(_announcements, api, who), bool)
        assert item["summary"] == said
        assert body in item["excerpt"]
        [mail] = mailbox.wait(who.email, bool)
        assert said in mail["Subject"]
        assert body in text_of(mail)
        assert body in text_of(mail, "html")
        assert f"/v1/consultations/{cid}" in text_of(mail)

    await redeliver(nc, cid, "announcement.published")
    # A marker after the redelivery: once it is told, the redelivery was handled.
    marker = await api.post(_url(cid), headers=STRATEGIST, json={
        "texts": {"en": TEXTS["en"] | {"title": "Marker"}}, "audience": "followers"})
    assert marker.status_code == 201, marker.text
    await eventually(lambda: _announcements(api, follower), lambda found: len(found) == 2)
    await asyncio.sleep(1)
    for who in (follower, french):
        assert len(await _announcements(api, who)) == 2
        assert len(mailbox.to(who.email)) == 2
    # followers only: the writer, who does not follow, hears of the first alone.
    assert len(await _announcements(api, writer)) == 1
    assert await unread(api, bystander) == 0
    assert mailbox.to(leaving.email) == mailbox.to(bystander.email) == []


async def test_bad_announcements_are_refused_with_problems(api: httpx.AsyncClient) -> None:
    consultation = await create_consultation(api)
    cid = str(consultation["id"])
    en = {"en": TEXTS["en"]}
    refused = {
        422: [{}, {"texts": {}}, {"texts": {"de": TEXTS["en"]}},
              {"texts": {"en": {"title": "   ", "body": "x"}}},
              {"texts": {"en": {"title": "t" * 201, "body": "x"}}},
              {"texts": {"en": {"title": "t", "body": ""}}},
              {"texts": en, "audience": "everyone"}, {"texts": en, "extra": 1},
              {"texts": {"english": TEXTS["en"]}}],
    }
    for status, bodies in refused.items():
        for body in bodies:
            assert_problem(await api.post(_url(cid), headers=MODERATOR, json=body), status)
    unknown = await api.post(_url(cid), headers=MODERATOR, json=[1])
    assert_problem(unknown, 422)
    # Only moderators, strategists and operators announce.
    for headers, status in ((auth("someone"), 403), ({}, 401),
                            (auth("writer", "synthesiser"), 403)):
        assert_problem(await api.post(_url(cid), headers=headers, json={"texts": en}), status)
    assert_problem(await api.post(_url("0" * 24), headers=MODERATOR, json={"texts": en}), 404)
    assert_problem(await api.post(_url("nope"), headers=MODERATOR, json={"texts": en}), 404)
