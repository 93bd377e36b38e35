"""Events that make the gateway's Redis caches stale: the debate's events renew the read
cache's generations (reads/cache.py); role and access-policy events drop the cached
admissions of their consultation (access.py), so a grant made elsewhere than through
this gateway (another replica that died before dropping it, a direct gRPC call) applies
within moments instead of after `ACCESS_CACHE_SECONDS`; `user.erased` drops the erased
account's admissions everywhere, so its still-valid access token stops admitting it.

One durable JetStream pull consumer shared by every gateway replica: each event reaches
one of them, which changes the Redis they all share. Every change is idempotent (a
redelivered event only renews or drops again), so no processed-marker is needed, and an
event is acknowledged only after Redis took the change: while Redis is down, events wait
on the server and the caches are corrected as soon as it is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import nats
from google.protobuf.message import Message
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.errors import Error as NatsError
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from prometheus_client import Counter
from redis.exceptions import RedisError

from agora.v1 import debate_events_pb2, events_pb2, identity_pb2
from agora_kit.events.envelope import MalformedEvent, parse_envelope
from agora_kit.events.streams import EVENTS_STREAM
from agora_kit.metrics import NATS_CLIENTS
from services.gateway.access import AccessResolver
from services.gateway.reads.cache import ReadCache

log = logging.getLogger(__name__)
DURABLE = "gateway-read-cache"
SUBJECTS = ["agora.*.post.>", "agora.*.moderation.>", "agora.*.reaction.changed",
            "agora.*.deepening.summary_written", "agora.*.content.anonymised",
            "agora.*.role.>", "agora.*.access_policy.changed", "agora.*.user.erased"]
ACCESS_EVENTS = {"role.granted", "role.revoked", "access_policy.changed"}


CONTENT_EVENTS: dict[str, type[Message]] = {
    "post.edited": debate_events_pb2.PostEdited,
    "post.pinned": debate_events_pb2.PostPinned,
    "post.unpinned": debate_events_pb2.PostPinned,
    "post.fact_checked": debate_events_pb2.PostFactChecked,
    "deepening.summary_written": debate_events_pb2.ColumnSummaryWritten,
}
# A status change: every page, and whether the author has a post awaiting moderation.
MODERATION_EVENTS = {"moderation.post_hidden", "moderation.post_restored",
                     "moderation.post_approved", "moderation.post_resubmitted"}
APPLIED = Counter("agora_read_cache_events_total",
                  "Events seen by the read cache's consumer, by outcome.", ["outcome"])


async def apply(cache: ReadCache, access: AccessResolver, data: bytes) -> str:
    """Renew or drop what the event changes; the outcome, for the counter."""
    try:
        envelope = parse_envelope(data)
    except MalformedEvent:
        return "malformed"
    if envelope.type in ACCESS_EVENTS:
        await access.forget(envelope.consultation_id)
        return "renewed"
    if envelope.type == "user.erased":
        erased = identity_pb2.UserErased()
        if not envelope.payload.Unpack(erased) or not erased.account_id:
            return "malformed"
        await access.forget_account(erased.account_id)
        return "renewed"
    if envelope.type == "content.anonymised":
        await cache.everything_changed()
        return "renewed"
    if envelope.type in ("post.created", "post.submitted"):
        created = events_pb2.PostCreated()
        if not envelope.payload.Unpack(created) or not created.thread_id:
            return "malformed"
        if envelope.type == "post.submitted":  # held: its author alone sees it
            await cache.post_held(created.thread_id, created.author_id)
        else:
            await cache.post_added(created.thread_id)
        return "renewed"
    if envelope.type in MODERATION_EVENTS:
        moderated = debate_events_pb2.PostModerated()
        if not envelope.payload.Unpack(moderated) or not moderated.thread_id:
            return "malformed"
        await cache.post_moderated(moderated.thread_id, moderated.author_id)
        return "renewed"
    if envelope.type == "reaction.changed":
        reaction = debate_events_pb2.ReactionChanged()
        if not envelope.payload.Unpack(reaction):
            return "malformed"
        await cache.reaction_changed(reaction.thread_id, reaction.user_id)
        return "renewed"
    kind = CONTENT_EVENTS.get(envelope.type)
    if kind is None:
        return "ignored"  # reports, dismissals: nothing a cached page shows
    payload = kind()
    thread_id = str(getattr(payload, "thread_id", "")) if envelope.payload.Unpack(payload) else ""
    if not thread_id:
        return "malformed"
    await cache.content_changed(thread_id)
    return "renewed"


class CacheInvalidation:
    """Runs the consumer until cancelled, reconnecting whenever NATS or Redis fail."""

    def __init__(self, nats_url: str, cache: ReadCache, access: AccessResolver) -> None:
        self._url = nats_url
        self._cache = cache
        self._access = access

    async def run(self) -> None:
        while True:
            client: NatsClient | None = None
            try:
                client = await nats.connect(self._url, connect_timeout=2,
                                            max_reconnect_attempts=-1)
                NATS_CLIENTS.track("gateway", client)
                await self._consume(client)
            except (NatsError, OSError, TimeoutError) as error:
                log.warning("read cache consumer restarting", extra={"error": repr(error)})
                await asyncio.sleep(1.0)
            finally:
                if client is not None and not client.is_closed:
                    with contextlib.suppress(Exception):  # bounded: never hold a shutdown
                        await asyncio.wait_for(client.close(), 2.0)

    async def _consume(self, client: NatsClient) -> None:
        js = client.jetstream()
        await js.add_consumer(EVENTS_STREAM, ConsumerConfig(
            durable_name=DURABLE, ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.NEW, filter_subjects=SUBJECTS, ack_wait=30,
            max_ack_pending=1000))
        subscription = await js.pull_subscribe_bind(DURABLE, EVENTS_STREAM)
        while True:
            try:
                messages = await subscription.fetch(100, timeout=1.0)
            except (NatsTimeoutError, TimeoutError):
                continue
            for message in messages:
                await self._handle(message)

    async def _handle(self, message: Msg) -> None:
        try:
            outcome = await apply(self._cache, self._access, message.data)
        except RedisError as error:
            log.warning("read cache not renewed; retrying", extra={"error": repr(error)})
            APPLIED.labels("retried").inc()
            await message.nak(delay=1.0)
            return
        APPLIED.labels(outcome).inc()
        await message.ack()
