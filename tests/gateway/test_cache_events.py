"""What each event changes in the gateway's Redis caches (cache_events.apply), against a
real Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from agora.v1 import debate_events_pb2, events_pb2, identity_pb2
from agora_kit.events.envelope import MalformedEvent, new_envelope
from services.gateway.access import AccessResolver
from services.gateway.clients import ServiceClients
from services.gateway.config import GatewaySettings
from services.gateway.events import types
from services.gateway.events.cache import apply
from services.gateway.reads.cache import ReadCache


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
async def access(redis: Redis) -> AsyncIterator[AccessResolver]:
    clients = ServiceClients(GatewaySettings())
    yield AccessResolver(clients, redis, ttl=30)
    await clients.close()


async def generations(redis: Redis, thread: str, user: str) -> list[object]:
    return list(await redis.mget([f"rc:gen:{thread}", f"rc:tgen:{thread}",
                                  f"rc:rgen:{thread}", f"rc:ugen:{thread}:{user}"]))


async def test_each_event_renews_what_it_changes(redis: Redis,
                                                 access: AccessResolver) -> None:
    cache = ReadCache(redis, ttl=60, stable_after=0)
    await redis.delete("rc:gen:t1", "rc:tgen:t1", "rc:rgen:t1", "rc:ugen:t1:u1")
    content, tail, reactions, reader = await generations(redis, "t1", "u1")

    created = new_envelope(event_type="post.created", consultation_id="c1", actor="u1",
                           payload=events_pb2.PostCreated(post_id="p1", thread_id="t1"))
    assert await apply(cache, access, created) == "renewed"
    after_post = await generations(redis, "t1", "u1")
    assert after_post[1] != tail
    assert (after_post[0], after_post[2], after_post[3]) == (content, reactions, reader)

    reacted = new_envelope(event_type="reaction.changed", consultation_id="c1", actor="u1",
                           payload=debate_events_pb2.ReactionChanged(
                               post_id="p1", thread_id="t1", user_id="u1"))
    assert await apply(cache, access, reacted) == "renewed"
    after_reaction = await generations(redis, "t1", "u1")
    assert after_reaction[2] != after_post[2]
    assert after_reaction[3] != after_post[3]
    assert after_reaction[:2] == after_post[:2]

    hidden = new_envelope(event_type="moderation.post_hidden", consultation_id="c1",
                          actor="mod", payload=debate_events_pb2.PostModerated(
                              post_id="p1", thread_id="t1"))
    assert await apply(cache, access, hidden) == "renewed"
    assert (await generations(redis, "t1", "u1"))[0] != content

    reported = new_envelope(event_type="moderation.post_reported", consultation_id="c1",
                            actor="u1", payload=debate_events_pb2.PostReported(post_id="p1"))
    assert await apply(cache, access, reported) == "ignored"
    # Events naming nothing they could change are refused, never taken as applied (the
    # consumer dead-letters them: test_cache_consumer.py).
    nameless = [new_envelope(event_type=event_type, consultation_id="c1", actor="u1",
                             payload=payload) for event_type, payload in (
        ("post.created", events_pb2.PostCreated(post_id="p1")),
        ("moderation.post_hidden", debate_events_pb2.PostModerated(post_id="p1")),
        ("reaction.changed", debate_events_pb2.ReactionChanged(post_id="p1")),
        ("user.erased", identity_pb2.UserErased()))]
    # ... and so is one whose payload is another message than its type carries.
    mislabelled = new_envelope(event_type="reaction.changed", consultation_id="c1",
                               actor="u1", payload=debate_events_pb2.ReactionChanged(
                                   post_id="p1", thread_id="t1"))
    mislabelled.payload.Pack(events_pb2.PostCreated(post_id="p1", thread_id="t1"))
    for envelope in [*nameless, mislabelled]:
        with pytest.raises(MalformedEvent):
            await apply(cache, access, envelope)


async def test_held_posts_renew_their_authors_view(redis: Redis,
                                                  access: AccessResolver) -> None:
    """A held post changes no public page but its author's (they alone see it); each
    change of its status — approved, hidden, resubmitted by its author — changes every
    page and the author's view of them."""
    cache = ReadCache(redis, ttl=60, stable_after=0)
    await redis.delete("rc:gen:t2", "rc:tgen:t2", "rc:rgen:t2", "rc:ugen:t2:author")
    before = await generations(redis, "t2", "author")
    submitted = new_envelope(event_type="post.submitted", consultation_id="c1",
                             actor="author", payload=events_pb2.PostCreated(
                                 post_id="p2", thread_id="t2", author_id="author"))
    assert await apply(cache, access, submitted) == "renewed"
    held = await generations(redis, "t2", "author")
    assert held[:3] == before[:3]
    assert held[3] != before[3]

    for event_type in ("moderation.post_approved", "moderation.post_hidden",
                       "moderation.post_resubmitted", "moderation.post_restored"):
        previous = await generations(redis, "t2", "author")
        moderated = new_envelope(event_type=event_type, consultation_id="c1", actor="mod",
                                 payload=debate_events_pb2.PostModerated(
                                     post_id="p2", thread_id="t2", author_id="author"))
        assert await apply(cache, access, moderated) == "renewed"
        now = await generations(redis, "t2", "author")
        assert (now[0] != previous[0], now[3] != previous[3]) == (True, True), event_type
        assert now[1:3] == previous[1:3]


async def test_role_and_erasure_events_drop_cached_admissions(
    redis: Redis, access: AccessResolver,
) -> None:
    await redis.hset("access:c1", mapping={"ana": "{}", "bob": "{}"})
    await redis.hset("access:c2", mapping={"ana": "{}"})
    erased = new_envelope(event_type="user.erased", consultation_id="", actor="ana",
                          payload=identity_pb2.UserErased(account_id="ana"))
    assert await apply(ReadCache(redis, ttl=60, stable_after=0), access,
                       erased) == "renewed"
    assert await redis.hkeys("access:c1") == [b"bob"]
    assert await redis.exists("access:c2") == 0

    granted = new_envelope(event_type="role.granted", consultation_id="c1", actor="root",
                           payload=identity_pb2.RoleGranted(account_id="bob", role="expert"))
    assert await apply(ReadCache(redis, ttl=60, stable_after=0), access,
                       granted) == "renewed"
    assert await redis.exists("access:c1") == 0


@pytest.mark.parametrize("kind", sorted(types.SYNTHESIS))
async def test_each_synthesis_event_renews_its_consultations_synthesis_reads(
    redis: Redis, access: AccessResolver, kind: str,
) -> None:
    """Every change of synthesis's read model renews the one generation its cached reads
    (reads/synthesis.py) are built on — that consultation's, no other, and no thread's."""
    cache = ReadCache(redis, ttl=60, stable_after=0)
    names = ["rc:sgen:c1", "rc:sgen:c2", "rc:gen:t1"]
    await redis.set("rc:sgen:c1", "old")
    await redis.set("rc:sgen:c2", "other")
    await redis.set("rc:gen:t1", "thread")
    payload = types.payload_of(kind)()
    event = new_envelope(event_type=kind, consultation_id="c1", actor="u1", payload=payload)
    assert await apply(cache, access, event) == "renewed"
    mine, other, thread = await redis.mget(names)
    assert mine not in (None, b"old")
    assert (other, thread) == (b"other", b"thread")
    unnamed = new_envelope(event_type=kind, consultation_id="", actor="u1", payload=payload)
    with pytest.raises(MalformedEvent):
        await apply(cache, access, unnamed)
