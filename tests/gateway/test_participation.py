"""Participation levels: counted once each, votes as reactions, durable past a Redis loss,
flushed idempotently, exported as gauges."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import grpc
import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from pymongo import AsyncMongoClient
from redis.asyncio import Redis

from agora.v1 import threads_pb2, threads_pb2_grpc
from devstack.stack import Stack
from services.gateway.clients import ServiceClients
from services.gateway.config import GatewaySettings
from services.gateway.participation.flush import ParticipationFlusher
from services.gateway.participation.record import Levels, Participation
from services.gateway.problems import Problem
from services.gateway.routes.participation import stored_levels
from tests.debate import STRATEGIST, phased, post, thread_in
from tests.gateway.test_problems import assert_problem
from tests.helpers import auth, eventually
from tests.voting.support import allocation, create_session, ids, put_ballot


async def test_contributors_reactors_and_learners_are_counted_once_each(
    api: httpx.AsyncClient,
) -> None:
    consultation = await phased(api, "ideation")
    thread = await thread_in(api, consultation)
    written = await post(api, thread, "An idea", account="writer")
    await post(api, thread, "Another", account="writer")
    for reactor in ("fan1", "fan2", "writer"):  # the writer stays a contributor
        await api.put(f"/v1/posts/{written['id']}/reaction", json={"kind": "like"},
                      headers=auth(reactor))
    for reader in ("reader1", "reader2", "reader3", "fan1", "writer"):
        for _ in range(2):
            await api.get(f"/v1/threads/{thread['id']}/posts", headers=auth(reader))
    url = f"/v1/consultations/{consultation['id']}/participation"
    levels = (await api.get(url, headers=STRATEGIST)).json()
    assert (levels["contributors"], levels["reactors"], levels["learners"]) == (1, 2, 3)
    other_theme = consultation["themes"][1]["id"]
    quiet = (await api.get(url, params={"theme_id": other_theme}, headers=STRATEGIST)).json()
    assert (quiet["contributors"], quiet["reactors"], quiet["learners"]) == (0, 0, 0)
    assert_problem(await api.get(url, headers=auth("writer")), 403)
    assert_problem(await api.get(url, params={"day": "yesterday"}, headers=STRATEGIST), 422)
    assert_problem(await api.get("/v1/consultations/000000000000000000000000/participation",
                                 headers=STRATEGIST), 404)


async def stored(mongo: AsyncMongoClient[dict[str, object]], consultation_id: str,
                 theme: str = "*") -> tuple[object, ...] | None:
    """(contributors, reactors, learners) flushed to the threads service for today."""
    key = f"{consultation_id}:{datetime.now(UTC).date().isoformat()}:{theme}"
    doc = await mongo["agora_threads"]["participation"].find_one({"_id": key})
    return None if doc is None else (doc["contributors"], doc["reactors"], doc["learners"])


async def levels_of(api: httpx.AsyncClient, consultation_id: str,
                    **params: str) -> tuple[int, int, int]:
    reply = await api.get(f"/v1/consultations/{consultation_id}/participation",
                          params=params, headers=STRATEGIST)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    return body["contributors"], body["reactors"], body["learners"]


async def test_a_vote_counts_as_a_reaction_and_a_contributor_stays_a_contributor(
    api: httpx.AsyncClient,
) -> None:
    consultation = await phased(api, "ideation")
    thread = await thread_in(api, consultation)
    await post(api, thread, "An idea", account="writer")
    for _ in ("deepening", "prioritisation"):  # token votes belong to prioritisation
        advanced = await api.post(f"/v1/consultations/{consultation['id']}/phase-changes",
                                  json={"change": "advance"}, headers=STRATEGIST)
        assert advanced.status_code == 200, advanced.text
    session = await create_session(api, consultation_id=consultation["id"])
    proposals, categories = ids(session)
    for voter in ("voter", "writer"):
        reply = await put_ballot(api, session, voter, [allocation(proposals[0], categories[0], 1)])
        assert reply.status_code == 200, reply.text
    await api.get(f"/v1/threads/{thread['id']}/posts", headers=auth("voter"))
    assert await levels_of(api, consultation["id"]) == (1, 1, 0)
    # Votes are not attached to a theme: in the theme, the voter only read.
    theme = consultation["themes"][0]["id"]
    assert await levels_of(api, consultation["id"], theme_id=theme) == (1, 0, 1)


async def test_levels_survive_redis_losing_its_data_and_no_observation_is_lost(
    api: httpx.AsyncClient, mongo: AsyncMongoClient[dict[str, object]], redis_url: str,
) -> None:
    consultation = await phased(api, "ideation")
    cid = consultation["id"]
    thread = await thread_in(api, consultation)
    written = await post(api, thread, "An idea", account="writer")
    await api.put(f"/v1/posts/{written['id']}/reaction", json={"kind": "like"},
                  headers=auth("fan"))
    await api.get(f"/v1/threads/{thread['id']}/posts", headers=auth("reader"))
    assert await eventually(lambda: stored(mongo, cid), lambda s: s == (1, 1, 1)) == (1, 1, 1)
    redis: Redis = Redis.from_url(redis_url)
    try:
        await redis.flushall()
        assert await levels_of(api, cid) == (1, 1, 1)  # from the stored registers
        await api.get(f"/v1/threads/{thread['id']}/posts", headers=auth("late-reader"))
        assert await levels_of(api, cid) == (1, 1, 2)  # Redis and the stored registers
        # The next flush merges the stored registers back before writing: nothing lost.
        await eventually(lambda: stored(mongo, cid), lambda s: s == (1, 1, 2))
        assert await redis.exists(f"participation:{cid}:{datetime.now(UTC).date()}:*:post")
    finally:
        await redis.aclose()
    today = datetime.now(UTC).date()
    reply = await api.get(f"/v1/consultations/{cid}/participation/days", headers=STRATEGIST,
                          params={"from": str(today - timedelta(days=2)), "to": str(today)})
    assert reply.status_code == 200, reply.text
    assert [(d["day"], d["contributors"], d["reactors"], d["learners"])
            for d in reply.json()["items"]] == [
        (str(today - timedelta(days=2)), 0, 0, 0), (str(today - timedelta(days=1)), 0, 0, 0),
        (str(today), 1, 1, 2)]


async def test_flushing_again_writes_the_same_records(
    api: httpx.AsyncClient, mongo: AsyncMongoClient[dict[str, object]], redis_url: str,
    stack: Stack,
) -> None:
    consultation = await phased(api, "ideation")
    thread = await thread_in(api, consultation)
    await post(api, thread, "An idea", account="writer")
    await api.get(f"/v1/threads/{thread['id']}/posts", headers=auth("reader"))
    settings = GatewaySettings(redis_url=redis_url, threads_addr=stack.config.address("threads"))
    redis: Redis = Redis.from_url(redis_url)
    clients = ServiceClients(settings)
    collection = mongo["agora_threads"]["participation"]
    query = {"consultation_id": consultation["id"]}
    try:
        flusher = ParticipationFlusher(Participation(redis), redis, clients, interval=1.0)
        flushed, written = [], []
        for _ in range(2):  # the gateway's own flusher may hold the lock for a moment
            written.append(await eventually(flusher.flush, lambda n: n is not None))
            flushed.append(await collection.find(query, projection={"flushed_at": 0}).sort(
                "_id").to_list())
        first, again = flushed
        assert [r["theme_id"] for r in first] == ["*", consultation["themes"][0]["id"]]
        assert [(r["contributors"], r["reactors"], r["learners"]) for r in first] == [
            (1, 0, 1), (1, 0, 1)]
        assert written[1] == 0  # nothing changed: nothing sent
        assert again == first
    finally:
        await clients.close()
        await redis.aclose()


async def test_todays_levels_are_gauges_on_the_gateway_metrics(api: httpx.AsyncClient) -> None:
    consultation = await phased(api, "ideation")
    thread = await thread_in(api, consultation)
    written = await post(api, thread, "An idea", account="writer")
    for reactor in ("fan1", "fan2"):
        await api.put(f"/v1/posts/{written['id']}/reaction", json={"kind": "like"},
                      headers=auth(reactor))
    for reader in ("reader1", "reader2", "reader3"):
        await api.get(f"/v1/threads/{thread['id']}/posts", headers=auth(reader))

    async def gauges() -> dict[tuple[str, str], float]:
        text = (await api.get("/metrics")).text
        return {(s.labels["theme"], s.labels["level"]): s.value
                for family in text_string_to_metric_families(text)
                if family.name == "agora_participants" for s in family.samples
                if s.labels["consultation"] == consultation["id"]}

    theme = consultation["themes"][0]["id"]
    expected = {(t, level): value for t in ("*", theme)
                for level, value in (("contributors", 1.0), ("reactors", 2.0),
                                     ("learners", 3.0))}
    assert await eventually(gauges, lambda g: g == expected) == expected


async def test_bad_ranges_and_records_are_refused(api: httpx.AsyncClient, stack: Stack) -> None:
    consultation = await phased(api, "ideation")
    url = f"/v1/consultations/{consultation['id']}/participation/days"
    for params in ({"from": "2026-03-02", "to": "2026-03-01"},
                   {"from": "2026-01-01", "to": "2026-12-31"},
                   {"from": "2026-01-01"}, {"from": "soon", "to": "2026-01-01"}):
        assert_problem(await api.get(url, params=params, headers=STRATEGIST), 422)
    assert_problem(await api.get(url, params={"from": "2026-01-01", "to": "2026-01-02"},
                                 headers=auth("writer")), 403)
    async with grpc.aio.insecure_channel(stack.config.address("threads")) as channel:
        threads = threads_pb2_grpc.ThreadsServiceStub(channel)
        good = threads_pb2.ParticipationRecord(
            consultation_id=consultation["id"], day="2026-03-01", theme_id="*")
        for bad in (threads_pb2.ParticipationRecord(day="2026-03-01", theme_id="*"),
                    threads_pb2.ParticipationRecord(consultation_id=consultation["id"],
                                                    day="2026-02-30", theme_id="*"),
                    threads_pb2.ParticipationRecord(consultation_id=consultation["id"],
                                                    day="2026-03-01", theme_id="theme"),
                    threads_pb2.ParticipationRecord(consultation_id=consultation["id"],
                                                    day="2026-03-01", theme_id="*",
                                                    post_registers=b"not a HyperLogLog"),
                    threads_pb2.ParticipationRecord(consultation_id=consultation["id"],
                                                    day="2026-03-01", theme_id="*",
                                                    reactors=-1)):
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await threads.RecordParticipation(
                    threads_pb2.RecordParticipationRequest(records=[good, bad]))
            assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        listed = await threads.ListParticipation(threads_pb2.ListParticipationRequest(
            consultation_id=consultation["id"], from_day="2026-01-01", to_day="2026-12-31"))
        assert list(listed.records) == []  # all or nothing: the good record was not kept
        for _ in range(2):  # upserted by key: sending a record again changes nothing
            await threads.RecordParticipation(
                threads_pb2.RecordParticipationRequest(records=[good]))
            listed = await threads.ListParticipation(threads_pb2.ListParticipationRequest(
                consultation_id=consultation["id"], from_day="2026-03-01",
                to_day="2026-03-01", theme_id="*"))
            assert list(listed.records) == [good]


def test_without_redis_stored_counts_answer_and_recent_unknown_days_are_refused() -> None:
    today = datetime.now(UTC).date()
    old, yesterday = today - timedelta(days=5), today - timedelta(days=1)
    record = threads_pb2.ParticipationRecord(contributors=2, reactors=3, learners=4)
    assert stored_levels([old, today], {today: record}) == {
        old: Levels(0, 0, 0), today: Levels(2, 3, 4)}
    for unknown in (today, yesterday):
        with pytest.raises(Problem) as refused:
            stored_levels([old, unknown], {})
        assert refused.value.status == 503


async def test_an_observation_made_again_soon_is_not_sent_again(redis_url: str) -> None:
    """A reader paging through a thread adds nothing new after the first page: the
    process does not send it again until its recheck interval has passed."""
    redis: Redis = Redis.from_url(redis_url)
    today = datetime.now(UTC).date()
    key = f"participation:dedupe-c:{today}:t:read"
    try:
        for recheck, sent_again in ((60.0, False), (0.0, True)):
            participation = Participation(redis, recheck_seconds=recheck)
            await participation.record(consultation_id="dedupe-c", theme_id="t",
                                       account_id="reader", level="read")
            assert await redis.pfcount(key) == 1
            await redis.delete(key)  # as if Redis lost it
            await participation.record(consultation_id="dedupe-c", theme_id="t",
                                       account_id="reader", level="read")
            assert await redis.pfcount(key) == (1 if sent_again else 0)
            await redis.delete(key)
    finally:
        await redis.aclose()
