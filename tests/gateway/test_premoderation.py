"""Held posts with real accounts: identity-issued tokens and roles granted through the
API (development tokens skip the gateway's consultation lookup and so hid these
defects). What a held post is to its author, its moderator and everyone else; what a
hidden or held post accepts as a parent of replies and as the target of reactions; and
a hidden post revised by its author, held for moderation again; a held post revised
before approval, whose revisions nobody receives as published."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from nats.aio.client import Client as NatsClient
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.client import JetStreamContext
from pymongo import AsyncMongoClient

from agora.v1 import debate_events_pb2, events_pb2
from agora_kit.events.envelope import parse_envelope
from agora_kit.events.streams import EVENTS_STREAM
from tests.debate import OPERATOR, events_of, phased, thread_in
from tests.gateway.test_problems import assert_problem
from tests.identity.support import Session, new_account


@pytest.fixture
def mail_dir(work_dir: Path) -> Path:
    return work_dir / "mail"


class Cast:
    """A pre-moderated consultation's thread with a real author, moderator and reader."""

    def __init__(self, thread: dict[str, Any], author: Session, moderator: Session,
                 reader: Session) -> None:
        self.thread, self.author, self.moderator, self.reader = thread, author, moderator, reader

    @property
    def page_url(self) -> str:
        return f"/v1/threads/{self.thread['id']}/posts"

    async def write(self, api: httpx.AsyncClient, body: str, session: Session | None = None,
                    **extra: Any) -> httpx.Response:
        return await api.post(self.page_url, json={"body": body, **extra},
                              headers=(session or self.author).headers)

    async def moderate(self, api: httpx.AsyncClient, post_id: str, action: str,
                       reason: str = "") -> httpx.Response:
        return await api.post(f"/v1/posts/{post_id}/moderation",
                              json={"action": action, "reason": reason},
                              headers=self.moderator.headers)

    async def page_ids(self, api: httpx.AsyncClient,
                       session: Session | None) -> dict[str, str]:
        """Post id -> status on the thread's first page, as `session` reads it."""
        reply = await api.get(self.page_url, headers=session.headers if session else {})
        assert reply.status_code == 200, reply.text
        return {p["id"]: p["status"] for p in reply.json()["items"]}


async def cast_in(api: httpx.AsyncClient, mail_dir: Path, *, pre_moderation: bool) -> Cast:
    consultation = await phased(api, "ideation", pre_moderation=pre_moderation)
    author, moderator, reader = [await new_account(api, mail_dir) for _ in range(3)]
    granted = await api.post(f"/v1/consultations/{consultation['id']}/roles",
                             json={"account_id": moderator.account_id, "role": "moderator"},
                             headers=OPERATOR)
    assert granted.status_code == 201, granted.text
    return Cast(await thread_in(api, consultation), author, moderator, reader)


@pytest.fixture
async def cast(api: httpx.AsyncClient, mail_dir: Path) -> Cast:
    return await cast_in(api, mail_dir, pre_moderation=True)


async def test_a_granted_moderator_approves_a_held_post(api: httpx.AsyncClient,
                                                        cast: Cast) -> None:
    held = await cast.write(api, "Held until a moderator reads it")
    assert held.status_code == 201, held.text
    assert held.json()["status"] == "pending"
    post_id = held.json()["id"]
    queue = await api.get(
        f"/v1/consultations/{cast.thread['consultation_id']}/moderation/queue",
        headers=cast.moderator.headers)
    assert [i["post"]["id"] for i in queue.json()["items"]] == [post_id]
    seen = await api.get(f"/v1/posts/{post_id}", headers=cast.moderator.headers)
    assert (seen.status_code, seen.json()["status"]) == (200, "pending")

    approved = await cast.moderate(api, post_id, "approve")
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "visible"
    assert await cast.page_ids(api, cast.reader) == {post_id: "visible"}
    assert await cast.page_ids(api, None) == {post_id: "visible"}


async def test_a_held_post_is_its_authors_and_nobody_elses(api: httpx.AsyncClient,
                                                           cast: Cast) -> None:
    post_id = (await cast.write(api, "My testimony")).json()["id"]

    own = await api.get(f"/v1/posts/{post_id}", headers=cast.author.headers)
    assert own.status_code == 200, own.text
    assert (own.json()["status"], own.json()["body"]) == ("pending", "My testimony")
    assert await cast.page_ids(api, cast.author) == {post_id: "pending"}
    assert await cast.page_ids(api, cast.author) == {post_id: "pending"}  # cached read too
    for stranger in (cast.reader, None):
        headers = stranger.headers if stranger else {}
        assert_problem(await api.get(f"/v1/posts/{post_id}", headers=headers), 404)
        assert_problem(await api.get(f"/v1/posts/{post_id}/revisions", headers=headers), 404)
        assert await cast.page_ids(api, stranger) == {}
    thread_url = f"/v1/threads/{cast.thread['id']}"
    assert (await api.get(thread_url)).json()["post_count"] == 0  # not even counted

    await cast.moderate(api, post_id, "approve")
    assert await cast.page_ids(api, cast.author) == {post_id: "visible"}
    assert (await api.get(thread_url)).json()["post_count"] == 1


async def test_a_held_post_takes_no_reply_or_reaction(api: httpx.AsyncClient,
                                                      cast: Cast) -> None:
    """Those who cannot see it are told it does not exist (as GET tells them); its author
    and moderators, who see it, are told it is awaiting moderation. Nothing is written."""
    post_id = (await cast.write(api, "Not yet published")).json()["id"]
    for session, status in ((cast.reader, 404), (cast.author, 409), (cast.moderator, 409)):
        reply = await cast.write(api, "An answer", session, parent_id=post_id)
        assert_problem(reply, status)
        assert_problem(await api.put(f"/v1/posts/{post_id}/reaction", json={"kind": "like"},
                                     headers=session.headers), status)
    assert_problem(await api.post(f"/v1/posts/{post_id}/reports", json={"reason": "spam"},
                                  headers=cast.reader.headers), 404)
    assert await cast.page_ids(api, cast.moderator) == {post_id: "pending"}

    await cast.moderate(api, post_id, "approve")
    reply = await cast.write(api, "Now an answer", cast.reader, parent_id=post_id)
    assert reply.status_code == 201, reply.text
    reacted = await api.put(f"/v1/posts/{post_id}/reaction", json={"kind": "like"},
                            headers=cast.reader.headers)
    assert reacted.status_code == 200, reacted.text


async def test_a_hidden_post_takes_no_reply_or_reaction(api: httpx.AsyncClient,
                                                        cast: Cast) -> None:
    """Everyone sees a hidden post's placeholder, so it is not a 404: a clear 409."""
    post_id = (await cast.write(api, "Names a neighbour")).json()["id"]
    await cast.moderate(api, post_id, "approve")
    hidden = await cast.moderate(api, post_id, "hide", "names a private person")
    assert hidden.status_code == 200, hidden.text
    for session in (cast.reader, cast.author, cast.moderator):
        reply = await cast.write(api, "An answer", session, parent_id=post_id)
        assert_problem(reply, 409)
        assert "hidden" in reply.json()["detail"]
        assert_problem(await api.put(f"/v1/posts/{post_id}/reaction", json={"kind": "like"},
                                     headers=session.headers), 409)
    assert set(await cast.page_ids(api, cast.moderator)) == {post_id}


async def test_a_hidden_post_revised_by_its_author_is_held_again(
    api: httpx.AsyncClient, mail_dir: Path, mongo: AsyncMongoClient[dict[str, object]],
) -> None:
    cast = await cast_in(api, mail_dir, pre_moderation=False)  # held again all the same
    cid = cast.thread["consultation_id"]
    post_id = (await cast.write(api, "My neighbour Jo Smith is a thief")).json()["id"]
    assert await cast.page_ids(api, cast.reader) == {post_id: "visible"}  # cached
    hidden = await cast.moderate(api, post_id, "hide", "names a private person")
    assert hidden.status_code == 200, hidden.text
    told = (await api.get(f"/v1/posts/{post_id}", headers=cast.author.headers)).json()
    assert told["hidden_reason"] == "names a private person"
    assert await cast.page_ids(api, cast.reader) == {post_id: "hidden"}
    assert await cast.page_ids(api, cast.author) == {post_id: "hidden"}

    revised = await api.patch(f"/v1/posts/{post_id}", headers=cast.author.headers,
                              json={"body": "Thefts in our street: who else saw them?"})
    assert revised.status_code == 200, revised.text
    assert (revised.json()["status"], revised.json()["revision"]) == ("pending", 1)
    for stranger in (cast.reader, None):
        assert_problem(await api.get(f"/v1/posts/{post_id}",
                                     headers=stranger.headers if stranger else {}), 404)
        assert await cast.page_ids(api, stranger) == {}
    assert await cast.page_ids(api, cast.author) == {post_id: "pending"}
    queue = (await api.get(f"/v1/consultations/{cid}/moderation/queue",
                           headers=cast.moderator.headers)).json()["items"]
    assert [i["post"]["id"] for i in queue] == [post_id]
    assert queue[0]["post"]["body"] == "Thefts in our street: who else saw them?"
    assert [(h["action"], h["reason"], h["moderator_id"]) for h in queue[0]["history"]] == [
        ("hide", "names a private person", cast.moderator.account_id),
        ("resubmit", "", cast.author.account_id)]
    earlier = (await api.get(f"/v1/posts/{post_id}/revisions",
                             headers=cast.moderator.headers)).json()["items"]
    assert [r["body"] for r in earlier] == ["My neighbour Jo Smith is a thief"]
    assert await events_of(mongo, cid, "moderation.post_resubmitted") == 1
    assert await events_of(mongo, cid, "post.edited") == 0  # nothing published yet

    approved = await cast.moderate(api, post_id, "approve")
    assert approved.status_code == 200, approved.text
    assert await cast.page_ids(api, cast.reader) == {post_id: "visible"}
    assert await cast.page_ids(api, cast.author) == {post_id: "visible"}
    public = (await api.get(f"/v1/posts/{post_id}")).json()
    assert public["body"] == "Thefts in our street: who else saw them?"
    assert await events_of(mongo, cid, "post.created") == 2  # now with the revised text
    log = (await api.get(f"/v1/consultations/{cid}/moderation/log",
                         headers=cast.moderator.headers)).json()["items"]
    assert [e["action"] for e in log] == ["hide", "resubmit", "approve"]


async def test_a_resubmitted_post_can_be_hidden_again(api: httpx.AsyncClient,
                                                      mail_dir: Path) -> None:
    cast = await cast_in(api, mail_dir, pre_moderation=False)
    post_id = (await cast.write(api, "Insults")).json()["id"]
    await cast.moderate(api, post_id, "hide", "insults")
    assert_problem(await api.patch(f"/v1/posts/{post_id}", json={"body": "Not mine"},
                                   headers=cast.reader.headers), 403)
    await api.patch(f"/v1/posts/{post_id}", json={"body": "Still insults"},
                    headers=cast.author.headers)
    assert_problem(await cast.moderate(api, post_id, "restore"), 409)  # approve or hide
    again = await cast.moderate(api, post_id, "hide", "still insulting")
    assert again.status_code == 200, again.text
    shown = (await api.get(f"/v1/posts/{post_id}", headers=cast.author.headers)).json()
    assert (shown["status"], shown["hidden_reason"]) == ("hidden", "still insulting")
    assert await cast.page_ids(api, cast.reader) == {post_id: "hidden"}
    assert await cast.page_ids(api, cast.author) == {post_id: "hidden"}


async def envelopes_until(subscription: JetStreamContext.PushSubscription, last: str,
                          within: float = 20.0) -> list[tuple[str, str]]:
    """(type, body) of each post and moderation event read until one of type `last`; body
    is what the event's payload carries of the post's text ("" when none)."""
    seen: list[tuple[str, str]] = []
    while not seen or seen[-1][0] != last:
        try:
            message = await subscription.next_msg(timeout=within)
        except NatsTimeoutError:
            raise AssertionError(f"no {last} within {within}s; seen {seen}") from None
        envelope = parse_envelope(message.data)
        if not envelope.type.startswith(("post.", "moderation.")):
            continue
        payload: events_pb2.PostCreated | debate_events_pb2.PostEdited | None = None
        if envelope.type in ("post.created", "post.submitted"):
            payload = events_pb2.PostCreated()
        elif envelope.type == "post.edited":
            payload = debate_events_pb2.PostEdited()
        if payload is not None:
            assert envelope.payload.Unpack(payload)
        seen.append((envelope.type, payload.body if payload is not None else ""))
    return seen


async def test_a_held_post_revised_before_approval_publishes_only_when_approved(
    api: httpx.AsyncClient, cast: Cast, nc: NatsClient,
) -> None:
    """What a consumer of the event stream (translation, synthesis, the gateway's cache)
    receives: the revision of a held post is no `post.edited` (that would hand it the
    unapproved text as published); the approval's `post.created` carries the latest text,
    which the moderators read in the queue."""
    cid = cast.thread["consultation_id"]
    consumer = await nc.jetstream().subscribe(f"agora.{cid}.>", stream=EVENTS_STREAM,
                                              ordered_consumer=True)
    post_id = (await cast.write(api, "Call me on 0612345678 about it")).json()["id"]
    revised = await api.patch(f"/v1/posts/{post_id}", headers=cast.author.headers,
                              json={"body": "Ask the town hall about it"})
    assert revised.status_code == 200, revised.text
    assert (revised.json()["status"], revised.json()["revision"]) == ("pending", 1)
    assert await envelopes_until(consumer, "moderation.post_resubmitted", within=5) == [
        ("post.submitted", "Call me on 0612345678 about it"),
        ("moderation.post_resubmitted", "")]
    for stranger in (cast.reader, None):
        assert_problem(await api.get(f"/v1/posts/{post_id}",
                                     headers=stranger.headers if stranger else {}), 404)
    queue = (await api.get(f"/v1/consultations/{cid}/moderation/queue",
                           headers=cast.moderator.headers)).json()["items"]
    assert [(i["post"]["id"], i["post"]["body"]) for i in queue] == [
        (post_id, "Ask the town hall about it")]
    assert [(h["action"], h["moderator_id"]) for h in queue[0]["history"]] == [
        ("resubmit", cast.author.account_id)]

    approved = await cast.moderate(api, post_id, "approve")
    assert approved.status_code == 200, approved.text
    assert await envelopes_until(consumer, "post.created") == [
        ("moderation.post_approved", ""), ("post.created", "Ask the town hall about it")]
    public = (await api.get(f"/v1/posts/{post_id}")).json()
    assert (public["status"], public["body"]) == ("visible", "Ask the town hall about it")
    await consumer.unsubscribe()
