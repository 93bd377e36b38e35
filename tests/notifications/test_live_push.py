"""A new in-app notification is pushed over the consultation's SSE stream to its
recipient, and to nobody else: another signed-in reader (with a notification of their
own from the same post) and an anonymous one never see it."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AsyncExitStack
from pathlib import Path

import httpx

from tests.gateway.test_live import Event, has, listen
from tests.helpers import auth, create_consultation, create_thread
from tests.notifications.support import account, inbox, reply, write


def _past(sequence: int, marker: str) -> Callable[[list[Event]], bool]:
    """Events read beyond `sequence`: the marker post, written after it, has arrived."""
    return lambda events: any(e.type == "post.created" and e.id > sequence
                              and e.data["post"]["id"] == marker for e in events)


async def test_a_notification_reaches_its_recipient_alone_over_sse(
        api: httpx.AsyncClient, work_dir: Path) -> None:
    consultation = await create_consultation(api)
    cid = str(consultation["id"])
    thread = await create_thread(api, consultation)
    author, follower = await account(api, work_dir), await account(api, work_dir)
    mine = await write(api, str(thread["id"]), author.headers, "Longer school holidays")
    followed = await api.put(f"/v1/consultations/{cid}/subscriptions/thread/{thread['id']}",
                             headers=follower.headers)
    assert followed.status_code == 200, followed.text
    async with AsyncExitStack() as stack:
        mine_stream = await stack.enter_async_context(listen(api, cid, author.headers))
        theirs = await stack.enter_async_context(listen(api, cid, follower.headers))
        anonymous = await stack.enter_async_context(listen(api, cid))
        answer = await reply(api, mine, auth("replier"))
        [pushed] = [e for e in await mine_stream.until(has("notification"))
                    if e.type == "notification"]
        [item] = (await inbox(api, author))["items"]
        assert pushed.data == {"notification_id": item["id"], "kind": "reply"}
        marker = await write(api, str(thread["id"]), auth("someone"), "marker")
        past = _past(pushed.id, marker["id"])
        seen_by_follower = await theirs.until(lambda e: past(e) and has("notification")(e))
        seen_anonymously = await anonymous.until(past)
    own: list[Event] = [e for e in seen_by_follower if e.type == "notification"]
    assert all(e.data["kind"] == "new_post" for e in own)  # their own, about the posts
    assert item["id"] not in {e.data["notification_id"] for e in own}
    assert [e for e in seen_anonymously if e.type == "notification"] == []
    assert {e.data["post"]["id"] for e in seen_anonymously if e.type == "post.created"} >= {
        answer["id"], marker["id"]}
