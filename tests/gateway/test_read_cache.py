"""The gateway's page cache: pages come from Redis, and every change shows at once
(writes through the gateway) or as soon as its event arrives (writes made elsewhere)."""

from __future__ import annotations

from typing import Any

import grpc
import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from pymongo import AsyncMongoClient
from redis.asyncio import Redis

from agora.v1 import threads_pb2, threads_pb2_grpc
from devstack.processes import free_port
from devstack.stack import Stack
from services.gateway.reads.cache import PageKeys, PageRequest, ReadCache
from tests.debate import phased, post, thread_in
from tests.helpers import auth, eventually

Mongo = AsyncMongoClient[dict[str, object]]


@pytest.fixture
async def thread(api: httpx.AsyncClient) -> dict[str, Any]:
    return await thread_in(api, await phased(api, "ideation"))


async def page(api: httpx.AsyncClient, thread: dict[str, Any], account: str = "reader",
               *roles: str, **params: Any) -> dict[str, Any]:
    reply = await api.get(f"/v1/threads/{thread['id']}/posts", params=params,
                          headers=auth(account, *roles))
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


async def test_pages_are_served_from_the_cache(
    api: httpx.AsyncClient, mongo: Mongo, thread: dict[str, Any],
) -> None:
    """A change written behind the platform's back (no event) is not seen: the page came
    from Redis, not from the database."""
    written = await post(api, thread, "Original text")
    assert (await page(api, thread))["items"][0]["body"] == "Original text"
    await mongo["agora_threads"]["posts"].update_one({"_id": written["id"]},
                                                     {"$set": {"body": "Changed in the store"}})
    assert (await page(api, thread))["items"][0]["body"] == "Original text"
    # ... while a moderator reads through the service.
    assert (await page(api, thread, "mod", "moderator"))["items"][0]["body"] == (
        "Changed in the store")


async def test_a_new_post_leaves_settled_pages_cached(
    api: httpx.AsyncClient, mongo: Mongo, thread: dict[str, Any],
) -> None:
    """A full page (more posts follow) is not evicted by a post appended to the thread,
    only the last page is; an edit evicts every page."""
    first, second, _ = [await post(api, thread, f"Post {i}") for i in range(3)]
    full = await page(api, thread, limit=2)
    assert full["next_cursor"]
    await mongo["agora_threads"]["posts"].update_one({"_id": first["id"]},
                                                     {"$set": {"body": "Changed in the store"}})
    await post(api, thread, "Post 3")
    assert (await page(api, thread, limit=2))["items"][0]["body"] == "Post 0"  # still cached
    last = await page(api, thread, limit=2, cursor=full["next_cursor"])
    assert [p["body"] for p in last["items"]] == ["Post 2", "Post 3"]  # renewed
    edited = await api.patch(f"/v1/posts/{second['id']}", json={"body": "Post 1, edited"},
                             headers=auth("ana"))
    assert edited.status_code == 200, edited.text
    assert [p["body"] for p in (await page(api, thread, limit=2))["items"]] == [
        "Changed in the store", "Post 1, edited"]


async def test_writes_through_the_gateway_show_at_once(
    api: httpx.AsyncClient, thread: dict[str, Any],
) -> None:
    first = await post(api, thread, "First")
    assert [p["body"] for p in (await page(api, thread))["items"]] == ["First"]
    await post(api, thread, "Second")
    assert [p["body"] for p in (await page(api, thread))["items"]] == ["First", "Second"]

    edited = await api.patch(f"/v1/posts/{first['id']}", json={"body": "First, edited"},
                             headers=auth("ana"))
    assert edited.status_code == 200, edited.text
    assert (await page(api, thread))["items"][0]["body"] == "First, edited"

    reacted = await api.put(f"/v1/posts/{first['id']}/reaction", json={"kind": "like"},
                            headers=auth("reader"))
    assert reacted.status_code == 200, reacted.text
    mine = (await page(api, thread, "reader"))["items"][0]
    assert (mine["reaction_counts"]["like"], mine["my_reaction"]) == (1, "like")
    other = (await page(api, thread, "someone-else"))["items"][0]
    assert (other["reaction_counts"]["like"], other["my_reaction"]) == (1, None)
    anonymous = (await api.get(f"/v1/threads/{thread['id']}/posts")).json()["items"][0]
    assert (anonymous["reaction_counts"]["like"], anonymous["my_reaction"]) == (1, None)

    unreacted = await api.delete(f"/v1/posts/{first['id']}/reaction", headers=auth("reader"))
    assert unreacted.status_code == 200, unreacted.text
    mine = (await page(api, thread, "reader"))["items"][0]
    assert (mine["reaction_counts"]["like"], mine["my_reaction"]) == (0, None)


async def test_hidden_posts_stay_hidden_from_others_and_explained_to_their_author(
    api: httpx.AsyncClient, thread: dict[str, Any],
) -> None:
    rude = await post(api, thread, "Something rude", account="rude-author")
    assert (await page(api, thread))["items"][0]["body"] == "Something rude"  # now cached
    hidden = await api.post(f"/v1/posts/{rude['id']}/moderation",
                            json={"action": "hide", "reason": "Insults break the charter"},
                            headers=auth("mod", "moderator"))
    assert hidden.status_code == 200, hidden.text
    seen = (await page(api, thread))["items"][0]
    assert (seen["status"], seen["body"], seen["hidden_reason"]) == ("hidden", "", None)
    own = (await page(api, thread, "rude-author"))["items"][0]
    assert (own["body"], own["hidden_reason"]) == ("Something rude", "Insults break the charter")


async def test_writes_made_elsewhere_show_when_their_event_arrives(
    api: httpx.AsyncClient, stack: Stack, thread: dict[str, Any],
) -> None:
    """A post and a reaction written straight to the threads service (another gateway, a
    consumer) renew the cache through their events."""
    written = await post(api, thread, "Through the gateway")
    assert len((await page(api, thread))["items"]) == 1
    async with grpc.aio.insecure_channel(stack.config.address("threads")) as channel:
        threads = threads_pb2_grpc.ThreadsServiceStub(channel)
        await threads.CreatePost(threads_pb2.CreatePostRequest(
            thread_id=thread["id"], body="Behind the gateway's back", actor_id="elsewhere",
            actor_roles=["participant"], format=threads_pb2.POST_FORMAT_PLAIN))
        await threads.SetReaction(threads_pb2.SetReactionRequest(
            post_id=written["id"], kind=threads_pb2.REACTION_KIND_MORE_INFO,
            actor_id="elsewhere", actor_roles=["participant"]))

    async def bodies() -> list[str]:
        return [p["body"] for p in (await page(api, thread))["items"]]

    await eventually(bodies, lambda b: b == ["Through the gateway", "Behind the gateway's back"])

    async def mine() -> tuple[int, str | None]:
        first = (await page(api, thread, "elsewhere"))["items"][0]
        return first["reaction_counts"]["more_info"], first["my_reaction"]

    await eventually(mine, lambda value: value == (1, "more_info"))


async def test_thread_post_count_follows_new_posts(
    api: httpx.AsyncClient, thread: dict[str, Any],
) -> None:
    url = f"/v1/threads/{thread['id']}"
    assert (await api.get(url)).json()["post_count"] == 0
    await post(api, thread)
    assert (await api.get(url)).json()["post_count"] == 1


async def test_etag_answers_not_modified_until_the_page_changes(
    api: httpx.AsyncClient, thread: dict[str, Any],
) -> None:
    await post(api, thread)
    url = f"/v1/threads/{thread['id']}/posts"
    first = await api.get(url, headers=auth("reader"))
    etag = first.headers["ETag"]
    again = await api.get(url, headers={**auth("reader"), "If-None-Match": etag})
    assert (again.status_code, again.content) == (304, b"")
    await post(api, thread, "News")
    changed = await api.get(url, headers={**auth("reader"), "If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag


async def test_pages_follow_the_cursor_and_limit(
    api: httpx.AsyncClient, thread: dict[str, Any],
) -> None:
    for i in range(5):
        await post(api, thread, f"Post {i}")
    first = await page(api, thread, limit=2)
    second = await page(api, thread, limit=2, cursor=first["next_cursor"])
    assert [p["body"] for p in first["items"] + second["items"]] == [f"Post {i}" for i in
                                                                     range(4)]
    bad = await api.get(f"/v1/threads/{thread['id']}/posts", params={"cursor": "nonsense"})
    assert bad.status_code in (400, 422)
    assert bad.headers["content-type"] == "application/problem+json"


async def test_an_unreachable_redis_means_reading_through() -> None:
    """The cache answers None (read from the service) instead of failing the request."""
    redis = Redis.from_url(f"redis://127.0.0.1:{free_port()}/0", socket_connect_timeout=0.5)
    cache = ReadCache(redis, ttl=60, stable_after=0)

    async def never(*_: Any) -> Any:
        raise AssertionError("nothing is fetched when Redis cannot be reached")

    try:
        assert await cache.page(PageRequest("t", "", 20, "reader"), fetch_page=never,
                                fetch_counts=never, fetch_mine=never, name_posts=never) is None
    finally:
        await redis.aclose()


async def test_a_repeated_read_comes_from_the_process_and_follows_other_replicas(
    api: httpx.AsyncClient, mongo: Mongo, redis_url: str, thread: dict[str, Any],
) -> None:
    """Another gateway replica renewing a generation in Redis (here: written directly)
    shows in this process within READ_CACHE_LOCAL_SECONDS (1 s), not later."""
    written = await post(api, thread, "Before")
    assert (await page(api, thread))["items"][0]["body"] == "Before"
    await mongo["agora_threads"]["posts"].update_one({"_id": written["id"]},
                                                     {"$set": {"body": "After"}})
    redis: Redis = Redis.from_url(redis_url)
    try:
        await redis.set(f"rc:gen:{thread['id']}", "renewed-by-another-replica")
    finally:
        await redis.aclose()
    shown = await eventually(lambda: page(api, thread),
                             lambda body: body["items"][0]["body"] == "After", within=3.0)
    assert shown["items"][0]["body"] == "After"


async def test_what_the_fast_path_cannot_answer_the_application_does(
    api: httpx.AsyncClient, thread: dict[str, Any],
) -> None:
    """Once a page is cached in the process, bad tokens, bad parameters and moderators
    still get what the application answers (reads/door.py leaves them to FastAPI)."""
    await post(api, thread, "Cached")
    url = f"/v1/threads/{thread['id']}/posts"
    before = await answered_by_the_process(api)
    for _ in range(3):
        assert (await api.get(url, headers=auth("reader"))).status_code == 200
    assert await answered_by_the_process(api) > before
    unknown_role = await api.get(url, headers={"Authorization": "Bearer dev-eve~overlord"})
    assert unknown_role.status_code == 401
    assert unknown_role.headers["content-type"] == "application/problem+json"
    for params in ({"limit": "0"}, {"limit": "abc"}, {"cursor": "x" * 201}):
        refused = await api.get(url, params=params, headers=auth("reader"))
        assert refused.status_code == 422, params
    cached = await api.get(url, headers=auth("reader"))
    again = await api.get(url, headers={**auth("reader"), "If-None-Match": cached.headers["etag"]})
    assert again.status_code == 304
    assert again.headers["x-request-id"]


async def answered_by_the_process(api: httpx.AsyncClient) -> float:
    metrics = (await api.get("/metrics")).text
    return sum(sample.value for family in text_string_to_metric_families(metrics)
               for sample in family.samples
               if sample.name == "agora_page_reads_from_process_total")


async def test_pages_the_fast_path_answers_are_measured_under_their_route(
    api: httpx.AsyncClient, thread: dict[str, Any],
) -> None:
    """The dashboards' request rate and latency of the most read route: a page answered
    before FastAPI counts under `/v1/threads/{thread_id}/posts`, not as `unmatched`."""
    await post(api, thread, "Counted")
    before = await page_reads_measured(api)
    for _ in range(4):
        await page(api, thread)
    assert await page_reads_measured(api) >= before + 4


async def page_reads_measured(api: httpx.AsyncClient) -> float:
    metrics = (await api.get("/metrics")).text
    return sum(sample.value for family in text_string_to_metric_families(metrics)
               for sample in family.samples
               if sample.name == "http_server_request_duration_seconds_count"
               and sample.labels.get("route") == "/v1/threads/{thread_id}/posts"
               and sample.labels.get("method") == "GET")


@pytest.mark.parametrize(("reader", "language"), [("", ""), ("u1", ""), ("", "en"), ("u1", "en")])
def test_the_scripts_templates_number_the_generations_a_page_has(reader: str,
                                                                  language: str) -> None:
    """The Lua script fills "%N" with the Nth generation it was given: a page read in a
    language by an anonymous reader has a translations generation and no reader's, and
    its keys must still be those `PageKeys` builds from the tokens."""
    request = PageRequest("t1", "", 20, reader, "c1", language)
    generations = request.generations()
    tokens = [f"token{n}" for n in range(len(generations.present()))]
    templates = PageKeys.of(request, generations.placeholders()).present()
    filled = list(templates)
    for n, token in enumerate(tokens, start=1):
        filled = [key.replace(f"%{n}", token) for key in filled]
    assert filled == PageKeys.of(request, generations.filled(tokens)).present()
    # The language and the translations generation's token (the 6th) in the answer's key.
    assert (f":{language}:token5:" in filled[0]) == bool(language)
