"""Events that make the gateway's Redis caches stale: the debate's events renew the read
cache's generations (reads/cache.py), `translation.ready` its thread's translations
generation (its pages in other languages than the originals), and the synthesis
service's (`extract.*`, `idea.*`, `synthesis.*`, `contest.*`) its consultation's
synthesis generation (reads/synthesis.py);
role and access-policy events drop the cached admissions of their consultation
(access.py), so a grant made elsewhere than through this gateway (another replica that
died before dropping it, a direct gRPC call) applies
within moments instead of after `ACCESS_CACHE_SECONDS`; `user.erased` drops the erased
account's admissions everywhere, so its still-valid access token stops admitting it.

One durable JetStream pull consumer shared by every gateway replica, the kit's
(agora_kit/events/consumer.py): each event reaches one replica, which changes the Redis
they all share. A change that fails (Redis down) is retried with the spec's backoff,
for as long as `max_deliver` allows (hours), so while Redis is down events wait on the
server and the caches are corrected once it is back. An event that cannot be read — an
unreadable envelope, or a payload naming no thread — is dead-lettered at once and
counted, never acknowledged as if it had been applied.

Unlike the kit's other consumers this one keeps no processed-marker in MongoDB (the
gateway has no database): every change is idempotent (a redelivered event only renews
or drops again), so applying it twice is harmless. `GatewayConsumer` is the kit's
consumer without the marker; it belongs in the kit once the kit offers that.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import TypeVar, cast

import nats
from google.protobuf.message import Message
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.errors import Error as NatsError
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from prometheus_client import Counter

from agora.v1 import debate_events_pb2, events_pb2, identity_pb2, translation_pb2
from agora_kit.events.consumer import PROCESSED_COLLECTION, ConsumerSpec, EventConsumer
from agora_kit.events.envelope import MalformedEvent
from agora_kit.events.streams import EVENTS_STREAM
from agora_kit.metrics import NATS_CLIENTS
from agora_kit.mongo import Client, Database, Session
from agora_kit.translation_keys import POST, kind_of
from services.gateway.access import AccessResolver
from services.gateway.events import types
from services.gateway.reads.cache import ReadCache

log = logging.getLogger(__name__)
M = TypeVar("M", bound=Message)
ACCESS_EVENTS = {types.ROLE_GRANTED, types.ROLE_REVOKED, types.ACCESS_POLICY_CHANGED}
CONTENT_EVENTS: dict[str, type[Message]] = {
    name: types.payload_of(name)
    for name in (types.POST_EDITED, types.POST_PINNED, types.POST_UNPINNED,
                 types.POST_FACT_CHECKED, types.SUMMARY_WRITTEN)}
# A status change: every page, and whether the author has a post awaiting moderation.
MODERATION_EVENTS = {types.POST_HIDDEN, types.POST_RESTORED, types.POST_APPROVED,
                     types.POST_RESUBMITTED}
CONSUMED = sorted({*ACCESS_EVENTS, *CONTENT_EVENTS, *MODERATION_EVENTS, types.USER_ERASED,
                   types.CONTENT_ANONYMISED, types.POST_CREATED, types.POST_SUBMITTED,
                   types.REACTION_CHANGED, types.TRANSLATION_READY, *types.SYNTHESIS})
SPEC = ConsumerSpec(durable="gateway-read-cache",
                    filter_subjects=[types.filter_of(t) for t in CONSUMED],
                    # About eight hours of retries while Redis is unreachable.
                    max_deliver=1000, backoff=(2.0, 5.0, 10.0, 30.0), batch_size=100)
APPLIED = Counter("agora_read_cache_events_total",
                  "Events seen by the read cache's consumer, by outcome.", ["outcome"])
for _outcome in ("renewed", "ignored", "retried", "dead_lettered"):
    APPLIED.labels(_outcome)  # zero series from the start, for dashboards and alerts


async def apply(cache: ReadCache, access: AccessResolver,
                envelope: events_pb2.EventEnvelope) -> str:
    """Renew or drop what the event changes; the outcome, for the counter. An event that
    names nothing it could change raises MalformedEvent."""
    kind = envelope.type
    if kind in ACCESS_EVENTS:
        await access.forget(envelope.consultation_id)
    elif kind == types.USER_ERASED:
        erased = _payload(envelope, identity_pb2.UserErased())
        await access.forget_account(_named(erased.account_id, "account_id"))
    elif kind in types.SYNTHESIS:
        await cache.synthesis_changed(_named(envelope.consultation_id, "consultation_id"))
    elif kind == types.CONTENT_ANONYMISED:
        await cache.everything_changed()
    elif kind in (types.POST_CREATED, types.POST_SUBMITTED):
        created = _payload(envelope, events_pb2.PostCreated())
        thread_id = _named(created.thread_id, "thread_id")
        if kind == types.POST_SUBMITTED:  # held: its author alone sees it
            await cache.post_held(thread_id, created.author_id)
        else:
            await cache.post_added(thread_id)
    elif kind in MODERATION_EVENTS:
        moderated = _payload(envelope, debate_events_pb2.PostModerated())
        await cache.post_moderated(_named(moderated.thread_id, "thread_id"),
                                   moderated.author_id)
    elif kind == types.REACTION_CHANGED:
        reaction = _payload(envelope, debate_events_pb2.ReactionChanged())
        await cache.reaction_changed(_named(reaction.thread_id, "thread_id"),
                                     reaction.user_id)
    elif kind == types.TRANSLATION_READY:
        ready = _payload(envelope, translation_pb2.TranslationReady())
        if kind_of(ready.content_id) != POST:  # an idea's or a synthesis's text
            await cache.synthesis_changed(_named(envelope.consultation_id, "consultation_id"))
        else:
            await cache.translation_ready(_named(ready.thread_id, "thread_id"))
    elif kind in CONTENT_EVENTS:
        payload = _payload(envelope, CONTENT_EVENTS[kind]())
        await cache.content_changed(_named(str(getattr(payload, "thread_id", "")),
                                           "thread_id"))
    else:
        return "ignored"  # nothing a cached page or admission shows
    return "renewed"


def _payload(envelope: events_pb2.EventEnvelope, message: M) -> M:
    if not envelope.payload.Unpack(message):
        raise MalformedEvent(f"{envelope.type} carries no {type(message).__name__}")
    return message


def _named(value: str, field: str) -> str:
    if not value:
        raise MalformedEvent(f"the payload names no {field}")
    return value


async def _no_marker_handler(envelope: events_pb2.EventEnvelope, session: Session) -> None:
    raise AssertionError("GatewayConsumer.apply_new applies events itself")


class GatewayConsumer(EventConsumer):
    """The kit's durable consumer — delivery, backoff, max_deliver, dead letters, lag and
    metrics — applying idempotent changes without a processed-marker (no database here).
    New events only: a gateway starting for the first time has nothing stale to renew."""

    def __init__(self, *, spec: ConsumerSpec, js: JetStreamContext, cache: ReadCache,
                 access: AccessResolver) -> None:
        # The kit's constructor wants the MongoDB of its processed-marker, which this
        # consumer never touches (`apply_new` below is its own): stand-ins, so every
        # other part of the kit's consumer is set up as the kit sets it up.
        super().__init__(service="gateway", spec=spec, handler=_no_marker_handler, js=js,
                         mongo=cast(Client, None),
                         db=cast(Database, {PROCESSED_COLLECTION: None}))
        self._cache = cache
        self._access = access

    async def declare(self) -> None:
        await self._js.add_consumer(EVENTS_STREAM, ConsumerConfig(
            durable_name=self.spec.durable, ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.NEW, max_deliver=self.spec.max_deliver,
            backoff=list(self.spec.backoff), filter_subjects=list(self.spec.filter_subjects),
            max_ack_pending=1000))

    async def apply_new(self, envelopes: Sequence[events_pb2.EventEnvelope]) -> list[bool]:
        """Each in turn, no marker (`apply_once` and a batch both come here)."""
        for envelope in envelopes:
            APPLIED.labels(await apply(self._cache, self._access, envelope)).inc()
        return [True] * len(envelopes)

    async def _on_failure(self, message: Msg, envelope: events_pb2.EventEnvelope,
                          error: Exception, attempt: int) -> None:
        if isinstance(error, MalformedEvent):  # no retry can make it readable
            await self._dead_letter(message, f"malformed: {error}", envelope.type)
            return
        APPLIED.labels("retried").inc()
        await super()._on_failure(message, envelope, error, attempt)

    async def _dead_letter(self, message: Msg, reason: str, event_type: str) -> None:
        await super()._dead_letter(message, reason, event_type)
        APPLIED.labels("dead_lettered").inc()


class CacheInvalidation:
    """Runs the consumer until cancelled, reconnecting whenever NATS fails."""

    def __init__(self, nats_url: str, cache: ReadCache, access: AccessResolver, *,
                 spec: ConsumerSpec = SPEC) -> None:
        self._url = nats_url
        self._cache = cache
        self._access = access
        self._spec = spec

    async def run(self) -> None:
        while True:
            client: NatsClient | None = None
            try:
                client = await nats.connect(self._url, connect_timeout=2,
                                            max_reconnect_attempts=-1)
                NATS_CLIENTS.track("gateway", client)
                consumer = GatewayConsumer(spec=self._spec, js=client.jetstream(),
                                           cache=self._cache, access=self._access)
                await consumer.declare()
                await consumer.run()
            except (NatsError, OSError, TimeoutError) as error:
                log.warning("read cache consumer restarting", extra={"error": repr(error)})
                await asyncio.sleep(1.0)
            except Exception:  # never stop renewing caches silently: log, start again
                log.exception("read cache consumer failed; restarting")
                await asyncio.sleep(1.0)
            finally:
                if client is not None and not client.is_closed:
                    with contextlib.suppress(Exception):  # bounded: never hold a shutdown
                        await asyncio.wait_for(client.close(), 2.0)
