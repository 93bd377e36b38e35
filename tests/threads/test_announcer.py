"""Calendar phase changes are announced once: JetStream, the SSE stream, racing ticks."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from nats.aio.client import Client as NatsClient
from nats.js.api import ConsumerConfig, DeliverPolicy
from pymongo import AsyncMongoClient

from agora.v1 import debate_events_pb2, threads_pb2
from agora_kit.events.envelope import parse_envelope
from agora_kit.events.outbox import Outbox
from agora_kit.runtime import Dependencies
from agora_kit.settings import ServiceSettings
from services.threads.announcer import announce, announce_due
from services.threads.store import ThreadsStore
from tests.debate import OPERATOR, events_of
from tests.gateway.test_live import has, listen
from tests.helpers import auth


async def boundary_in(api: httpx.AsyncClient, seconds: float) -> tuple[dict[str, Any], datetime]:
    """A consultation in appropriation whose ideation starts `seconds` from now."""
    boundary = datetime.now(UTC) + timedelta(seconds=seconds)
    reply = await api.post("/v1/consultations", headers=OPERATOR, json={
        "title": "Calendar", "languages": ["en"],
        "themes": [{"title": "T", "sub_themes": ["a", "b"]}],
        "phases": [
            {"kind": "appropriation", "starts_at": (boundary - timedelta(days=1)).isoformat(),
             "ends_at": boundary.isoformat()},
            {"kind": "ideation", "starts_at": boundary.isoformat(),
             "ends_at": (boundary + timedelta(days=7)).isoformat()},
        ],
    })
    assert reply.status_code == 201, reply.text
    created: dict[str, Any] = reply.json()
    return created, boundary


async def published(nc: NatsClient, consultation_id: str) -> list[debate_events_pb2.PhaseChanged]:
    """Every consultation.phase_changed of the consultation in JetStream, oldest first."""
    js = nc.jetstream()
    subject = f"agora.{consultation_id}.consultation.phase_changed"
    subscription = await js.pull_subscribe(
        subject, config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL))
    found = []
    try:
        while True:
            try:
                messages = await subscription.fetch(10, timeout=1.0)
            except TimeoutError:
                break
            for message in messages:
                changed = debate_events_pb2.PhaseChanged()
                parse_envelope(message.data).payload.Unpack(changed)
                found.append(changed)
                await message.ack()
    finally:
        await subscription.unsubscribe()
    return found


async def test_a_calendar_boundary_is_announced_once_in_jetstream_and_on_sse(
    api: httpx.AsyncClient, nc: NatsClient,
) -> None:
    consultation, boundary = await boundary_in(api, 2.0)
    assert consultation["current_phase"] == "appropriation"
    async with listen(api, consultation["id"], auth("watcher")) as stream:
        events = await stream.until(has("consultation.phase_changed"), within=15.0)
    assert datetime.now(UTC) >= boundary
    changed = [e for e in events if e.type == "consultation.phase_changed"]
    assert [e.data for e in changed] == [{"previous_phase": "appropriation",
                                          "current_phase": "ideation", "change": "calendar"}]
    await asyncio.sleep(2.0)  # more ticks of the scheduler
    found = await published(nc, consultation["id"])
    assert [(c.previous_phase, c.current_phase, c.change) for c in found] == [
        (threads_pb2.PHASE_KIND_APPROPRIATION, threads_pb2.PHASE_KIND_IDEATION,
         threads_pb2.PHASE_CHANGE_CALENDAR)]
    read = (await api.get(f"/v1/consultations/{consultation['id']}")).json()
    assert read["current_phase"] == "ideation"


async def test_racing_ticks_publish_one_event(
    api: httpx.AsyncClient, mongo: AsyncMongoClient[dict[str, object]], nc: NatsClient,
) -> None:
    consultation, boundary = await boundary_in(api, 1.0)
    db = mongo["agora_threads"]
    deps = Dependencies(settings=ServiceSettings(), mongo=mongo, db=db, nats=nc,
                        js=nc.jetstream(), outbox=Outbox(db))
    store = ThreadsStore(deps)
    await asyncio.sleep(max((boundary - datetime.now(UTC)).total_seconds(), 0.0))
    # Racing the service's own scheduler too: three announcers, one event.
    outcomes = await asyncio.gather(*(announce(store, consultation["id"]) for _ in range(3)),
                                    announce_due(store))
    await asyncio.sleep(1.5)
    assert sum(1 for o in outcomes[:3] if o) <= 1
    assert await events_of(mongo, consultation["id"], "consultation.phase_changed") == 1
    assert await announce(store, consultation["id"]) is False


async def test_a_strategist_change_is_not_announced_again_by_the_calendar(
    api: httpx.AsyncClient, mongo: AsyncMongoClient[dict[str, object]],
) -> None:
    consultation, _ = await boundary_in(api, 3600.0)
    advanced = await api.post(f"/v1/consultations/{consultation['id']}/phase-changes",
                              json={"change": "advance"}, headers=auth("s", "strategist"))
    assert advanced.status_code == 200, advanced.text
    await asyncio.sleep(1.5)
    assert await events_of(mongo, consultation["id"], "consultation.phase_changed") == 1
