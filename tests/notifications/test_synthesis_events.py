"""The synthesis's and the vote's events reach those they concern, through the gateway:
an extract harvested from my post (in-app; mailed once I choose immediate mail), a new
version of a synthesis I follow (by the synthesis, its theme or its consultation: one
notification each, never to the publisher), an answer to my contest, and a vote opening
in a consultation I follow."""

from __future__ import annotations

import asyncio
from functools import partial
from pathlib import Path
from typing import Any

import httpx

from tests.debate import STRATEGIST, phased
from tests.helpers import create_consultation, create_thread, eventually
from tests.mailbox import Mailbox, text_of
from tests.notifications.support import Session, account, inbox, unread, write
from tests.synthesis.support import SYNTHESISER, file_extract
from tests.voting.support import create_session, prioritising

Json = dict[str, Any]


async def _kinds(api: httpx.AsyncClient, who: Session) -> list[str]:
    return [i["kind"] for i in (await inbox(api, who))["items"]]


async def _follow(api: httpx.AsyncClient, who: Session, cid: str, target: str) -> None:
    followed = await api.put(f"/v1/consultations/{cid}/subscriptions/{target}",
                             headers=who.headers)
    assert followed.status_code == 200, followed.text


async def _published(api: httpx.AsyncClient, consultation: Json, title: str) -> tuple[str, Json]:
    cid = str(consultation["id"])
    created = await api.post(f"/v1/consultations/{cid}/syntheses", headers=SYNTHESISER,
                             json={"title": title, "theme_id": consultation["themes"][0]["id"]})
    assert created.status_code == 201, created.text
    url = str(created.headers["Location"])
    saved = await api.put(f"{url}/draft", headers=SYNTHESISER,
                          json={"paragraphs": [{"text": "Buses came up less."}]})
    assert saved.status_code == 200, saved.text
    version = await api.post(f"{url}/versions", headers=SYNTHESISER)
    assert version.status_code == 201, version.text
    return url, version.json()


async def test_an_extract_of_my_post_tells_me_in_app_then_by_mail_when_i_choose(
        api: httpx.AsyncClient, work_dir: Path, mailbox: Mailbox) -> None:
    consultation = await create_consultation(api)
    thread = await create_thread(api, consultation)
    author = await account(api, work_dir)
    mine = await write(api, str(thread["id"]), author.headers,
                       "Free buses on Sundays would help families.")
    filed = await file_extract(api, consultation, mine, "Free buses on Sundays")
    assert filed.status_code == 201, filed.text
    assert await eventually(lambda: _kinds(api, author), bool) == ["extract_harvested"]
    [item] = (await inbox(api, author))["items"]
    assert item["post_id"] == mine["id"]
    assert item["summary"] == "A passage of your post was harvested for the synthesis"
    # The default is the daily digest (a "day" is 4 s in tests): no mail of its own.
    [digest] = mailbox.wait(author.email, bool)
    assert "digest" in digest["Subject"]
    assert "A passage of your post was harvested for the synthesis" in text_of(digest)
    assert "A passage of your post" in text_of(digest, "html")
    url = f"/v1/consultations/{consultation['id']}/notification-preferences"
    chosen = await api.put(url, headers=author.headers, json={"language": "fr", "kinds": {
        "extract_harvested": {"in_app": True, "email": True, "cadence": "immediate"}}})
    assert chosen.status_code == 200, chosen.text
    assert chosen.json()["kinds"]["extract_harvested"]["cadence"] == "immediate"
    again = await file_extract(api, consultation, mine, "would help families")
    assert again.status_code == 201, again.text
    [_, mail] = mailbox.wait(author.email, lambda m: len(m) >= 2)
    assert "Un passage de votre contribution a été retenu" in mail["Subject"]
    assert f"/v1/posts/{mine['id']}" in text_of(mail)
    assert "<blockquote>" not in text_of(mail, "html")  # nothing to quote
    await asyncio.sleep(5)  # a digest window later: the immediate one is not digested
    assert len(mailbox.to(author.email)) == 2
    assert await unread(api, author) == 2


async def test_a_new_synthesis_version_reaches_its_followers_once_each(
        api: httpx.AsyncClient, work_dir: Path, mailbox: Mailbox) -> None:
    consultation: Json = await create_consultation(api)
    cid = str(consultation["id"])
    theme_follower, everything, bystander = [await account(api, work_dir) for _ in range(3)]
    await _follow(api, theme_follower, cid, f"theme/{consultation['themes'][0]['id']}")
    await _follow(api, everything, cid, f"consultation/{cid}")
    url, _ = await _published(api, consultation, "What we heard")
    synthesis_id = url.rsplit("/", 1)[1]
    for who in (theme_follower, everything):
        assert await eventually(partial(_kinds, api, who), bool) == ["synthesis_published"]
        [item] = (await inbox(api, who))["items"]
        assert item["summary"] == ("Version 1 of the synthesis \u201cWhat we heard\u201d "
                                   "was published")
        assert item["theme_id"] == consultation["themes"][0]["id"]
        [mail] = mailbox.wait(who.email, bool)
        assert "Version 1 of the synthesis" in mail["Subject"]
        assert f"/syntheses/{synthesis_id}/versions/1" in text_of(mail)
    # Following the synthesis as well as its consultation: still one per version.
    await _follow(api, everything, cid, f"synthesis/{synthesis_id}")
    saved = await api.put(f"{url}/draft", headers=SYNTHESISER,
                          json={"paragraphs": [{"text": "Buses came up a lot."}]})
    assert saved.status_code == 200, saved.text
    second = await api.post(f"{url}/versions", headers=SYNTHESISER)
    assert second.status_code == 201, second.text
    for who in (theme_follower, everything):
        await eventually(partial(_kinds, api, who), lambda k: len(k) >= 2)
        mailbox.wait(who.email, lambda m: len(m) >= 2)
    await asyncio.sleep(1)
    for who in (theme_follower, everything):
        summaries = [i["summary"][:9] for i in (await inbox(api, who))["items"]]
        assert summaries == ["Version 2", "Version 1"]
        assert len(mailbox.to(who.email)) == 2
    assert await unread(api, bystander) == 0
    assert mailbox.to(bystander.email) == []


async def test_an_answer_to_my_contest_tells_me(api: httpx.AsyncClient, work_dir: Path,
                                               mailbox: Mailbox) -> None:
    consultation = await create_consultation(api)
    cid = str(consultation["id"])
    contester = await account(api, work_dir)
    url, version = await _published(api, consultation, "Mobility")
    anchor = version["paragraphs"][0]["anchor"]
    contest = await api.post(f"{url}/versions/1/paragraphs/{anchor}/contests",
                             headers=contester.headers, json={"body": "Buses came up a lot!"})
    assert contest.status_code == 201, contest.text
    answered = await api.post(f"/v1/consultations/{cid}/contests/{contest.json()['id']}/answers",
                              headers=SYNTHESISER, json={"body": "You are right."})
    assert answered.status_code == 200, answered.text
    assert await eventually(lambda: _kinds(api, contester), bool) == ["contest_answered"]
    [item] = (await inbox(api, contester))["items"]
    assert item["summary"] == "The synthesis team answered your contest"
    [mail] = mailbox.wait(contester.email, bool)
    assert "answered your contest" in mail["Subject"]
    await asyncio.sleep(1)
    assert await unread(api, contester) == 1


async def test_the_vote_opening_tells_the_consultations_followers(
        api: httpx.AsyncClient, work_dir: Path, mailbox: Mailbox) -> None:
    cid = await prioritising(api)
    follower, bystander = await account(api, work_dir), await account(api, work_dir)
    await _follow(api, follower, cid, f"consultation/{cid}")
    session = await create_session(api, consultation_id=cid)
    assert await eventually(lambda: _kinds(api, follower), bool) == ["vote_opened"]
    [item] = (await inbox(api, follower))["items"]
    assert item["summary"] == "The vote is open"
    [mail] = mailbox.wait(follower.email, bool)
    assert f"/v1/vote-sessions/{session['id']}" in text_of(mail)
    await asyncio.sleep(1)
    assert await unread(api, bystander) == 0


async def test_a_phase_change_tells_the_consultations_followers_in_their_language(
        api: httpx.AsyncClient, work_dir: Path, mailbox: Mailbox) -> None:
    cid = str((await phased(api, "deepening"))["id"])
    english, french, bystander = [await account(api, work_dir) for _ in range(3)]
    for who in (english, french):
        await _follow(api, who, cid, f"consultation/{cid}")
    chosen = await api.put(f"/v1/consultations/{cid}/notification-preferences",
                           headers=french.headers, json={"language": "fr"})
    assert chosen.status_code == 200, chosen.text
    advanced = await api.post(f"/v1/consultations/{cid}/phase-changes",
                              json={"change": "advance"}, headers=STRATEGIST)
    assert advanced.status_code == 200, advanced.text
    for who, said in ((english, "A new phase has started: prioritisation (the vote)"),
                      (french, "Une nouvelle phase commence : priorisation (le vote)")):
        assert await eventually(partial(_kinds, api, who), bool) == ["phase_started"]
        [item] = (await inbox(api, who))["items"]
        assert item["summary"] == said
        [mail] = mailbox.wait(who.email, bool)
        assert said in mail["Subject"]
        assert said in text_of(mail, "html")
    await asyncio.sleep(1)
    assert await unread(api, bystander) == 0


async def test_the_deliverable_published_tells_the_consultations_followers(
        api: httpx.AsyncClient, work_dir: Path, mailbox: Mailbox) -> None:
    consultation = await create_consultation(api)
    cid = str(consultation["id"])
    follower, bystander = await account(api, work_dir), await account(api, work_dir)
    await _follow(api, follower, cid, f"consultation/{cid}")
    started = await api.post(f"/v1/consultations/{cid}/deliverables",
                             json={"step_after": "The council decides in June."},
                             headers=STRATEGIST)
    assert started.status_code == 202, started.text
    assert await eventually(partial(_kinds, api, follower), bool,
                            within=90) == ["deliverable_published"]
    [item] = (await inbox(api, follower))["items"]
    assert item["summary"] == "The deliverable (version 1) was published"
    [mail] = mailbox.wait(follower.email, bool)
    assert f"/v1/consultations/{cid}/deliverables/1" in text_of(mail)
    await asyncio.sleep(1)
    assert await unread(api, bystander) == 0
    assert len(await _kinds(api, follower)) == 1
