"""Live updates: a consultation's events from NATS JetStream, shaped for one viewer.

Each SSE connection reads the events stream through its own ordered (ephemeral, push,
flow-controlled) JetStream consumer filtered on `agora.<consultation>.>`; the SSE id is
the JetStream stream sequence, so a client resuming with `Last-Event-ID: n` gets every
event after n, in order, exactly as a fresh reader would. Nothing about a post is read
from the event itself: post events are re-read from the threads service in the public
view (sanitised HTML; only visible posts are streamed), so a hidden or held post is never
streamed, whether live or replayed; the post comes named like in every other answer
(`author_name`), in the connection's language (reading.py: `?lang=` / Accept-Language,
the original until translated). The frame of an event is the same for every
connection reading in one language, and they all receive a new event at about the same
moment, so each gateway process shapes it once per language for the connections asking
meanwhile (one `GetPost`, however many readers are connected). `translation.ready`
reaches the connections reading in its target language as the post, now translated.
Nothing is kept once shaped: a later reader (a replay) re-reads
the post as it is then, so a post hidden since is not replayed.

The synthesis service's events (`extract.*`, `idea.*`, `synthesis.*`, `contest.*`)
stream as the ids and states they carry — never a quote or a paragraph's text: a reader
fetches what changed through the cached reads. `synthesis.draft_saved` reaches only the
connections whose reader may write syntheses (`sees`), since a draft is not public.

`notifications.created` is the one per-recipient event: it never goes through the shared
frames; a connection whose signed-in reader is one of its recipients gets a
`notification` frame naming that reader's notification alone (its id and kind: the
inbox has the rest), every other connection nothing.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import nats
from nats.aio.client import Client as NatsClient
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import ConsumerConfig, DeliverPolicy

from agora.v1 import (
    debate_events_pb2,
    events_pb2,
    notifications_pb2,
    synthesis_pb2,
    threads_pb2,
    translation_pb2,
)
from agora_kit.events.envelope import MalformedEvent, parse_envelope
from agora_kit.events.streams import EVENTS_STREAM
from agora_kit.metrics import NATS_CLIENTS
from agora_kit.translation_keys import POST, kind_of
from services.gateway.events import types
from services.gateway.schemas import PostPublic

HEARTBEAT_SECONDS = 15.0
# Types any reader receives; the rest (reports, pending posts) only reach moderators
# through their own reads, never this stream.
POST_EVENTS = {types.POST_CREATED, types.POST_EDITED, types.POST_RESTORED}
# Synthesis events a reader receives (a post's reaction, moderation or erasure reaching
# extracts is streamed as the post's own events already).
SYNTHESIS_EVENTS = types.SYNTHESIS - {types.EVENTS_SOURCE_CHANGED}
# Only to readers who may write syntheses.
SYNTHESISERS_ONLY = frozenset({types.DRAFT_SAVED})
# The post in the public view, its author named; None when it cannot be read.
PostReader = Callable[[str], Awaitable[PostPublic | None]]
# Whether this connection's reader receives events of that type.
Audience = Callable[[str], bool]


class LiveFeed:
    """The gateway's one NATS connection, opened at the first stream request."""

    def __init__(self, nats_url: str) -> None:
        self._url = nats_url
        self._client: NatsClient | None = None
        self._lock = asyncio.Lock()
        self._shaping: dict[tuple[int, str], asyncio.Task[str | None]] = {}

    def _frame(self, sequence: int, envelope: events_pb2.EventEnvelope,
               read_post: PostReader, language: str) -> Awaitable[str | None]:
        """The SSE frame of the event at `sequence` in `language`; connections asking
        while it is being shaped await the same task (shielded: one leaving does not
        cancel it)."""
        key = (sequence, language)
        task = self._shaping.get(key)
        if task is None:
            task = asyncio.ensure_future(_framed(sequence, envelope, read_post, language))
            self._shaping[key] = task
            task.add_done_callback(lambda _: self._shaping.pop(key, None))
        return asyncio.shield(task)

    async def _connection(self) -> NatsClient:
        async with self._lock:
            if self._client is None or self._client.is_closed:
                self._client = await nats.connect(self._url, connect_timeout=2,
                                                  max_reconnect_attempts=-1)
                NATS_CLIENTS.track("gateway", self._client)
            return self._client

    async def resume_point(self, after: int | None) -> int | None:
        """Where a stream resumed after event `after` starts: right after it, or after the
        stream's last event when `after` lies beyond it (a stream restored or reset, an id
        guessed): the next event is delivered and none is skipped. JetStream itself would
        wait for sequence `after + 1` to exist, and refuses one past 2^64 - 1."""
        if after is None:
            return None
        client = await self._connection()
        info = await client.jetstream().stream_info(EVENTS_STREAM)
        return min(after, info.state.last_seq)

    async def events(self, consultation_id: str, after: int | None,
                     read_post: PostReader, is_alive: Callable[[], Awaitable[bool]],
                     sees: Audience = lambda kind: kind not in SYNTHESISERS_ONLY,
                     language: str = "", viewer: str = "") -> AsyncIterator[str]:
        """SSE frames for the consultation, after stream sequence `after` (None: new ones;
        from `resume_point`, so the subscription cannot be refused once the 200 is sent);
        posts as `read_post` reads them in `language` ("" for the originals); `viewer`'s
        own notifications ("" when signed out: none)."""
        client = await self._connection()
        config = (ConsumerConfig(deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
                                 opt_start_seq=after + 1) if after is not None
                  else ConsumerConfig(deliver_policy=DeliverPolicy.NEW))
        subscription = await client.jetstream().subscribe(
            f"agora.{consultation_id}.>", stream=EVENTS_STREAM, ordered_consumer=True,
            config=config)
        try:
            yield ": connected\n\n"
            while await is_alive():
                try:
                    message = await subscription.next_msg(timeout=HEARTBEAT_SECONDS)
                except NatsTimeout:
                    yield ": keep-alive\n\n"
                    continue
                try:
                    envelope = parse_envelope(message.data)
                except MalformedEvent:
                    continue
                if envelope.type == types.NOTIFICATIONS_CREATED:
                    own = _own_notification(message.metadata.sequence.stream, envelope,
                                            viewer)
                    if own is not None:
                        yield own
                    continue
                if not sees(envelope.type):
                    continue
                frame = await self._frame(message.metadata.sequence.stream, envelope,
                                          read_post, language)
                if frame is not None:
                    yield frame
        finally:
            await subscription.unsubscribe()

    async def close(self) -> None:
        if self._client is not None and not self._client.is_closed:
            await self._client.drain()


def _own_notification(sequence: int, envelope: events_pb2.EventEnvelope,
                      viewer: str) -> str | None:
    """The frame of `viewer`'s notification in the event, None when it has none."""
    created = notifications_pb2.NotificationsCreated()
    if not viewer or not envelope.payload.Unpack(created):
        return None
    notification_id = created.notifications.get(viewer)
    if notification_id is None:
        return None
    data = {"notification_id": notification_id, "kind": created.kind}
    return (f"id: {sequence}\nevent: notification\n"
            f"data: {json.dumps(data, separators=(',', ':'))}\n\n")


async def _framed(sequence: int, envelope: events_pb2.EventEnvelope,
                  read_post: PostReader, language: str) -> str | None:
    data = await shape(envelope, read_post, language)
    if data is None:
        return None
    return (f"id: {sequence}\nevent: {envelope.type}\n"
            f"data: {json.dumps(data, separators=(',', ':'))}\n\n")


async def shape(envelope: events_pb2.EventEnvelope, read_post: PostReader,
                language: str = "") -> dict[str, Any] | None:
    """What a reader may see of an event; None to leave it out of the stream. The same
    for every reader in `language` (shared frames): authors appear by their author key,
    never their account."""
    kind = envelope.type
    if kind == types.TRANSLATION_READY:
        ready = translation_pb2.TranslationReady()
        if (not language or not envelope.payload.Unpack(ready) or ready.target != language
                or kind_of(ready.content_id) != POST):  # ideas and syntheses: not streamed
            return None
        post = await read_post(ready.content_id)
        if post is None or post.status != "visible" or not post.translated:
            return None
        return {"post": post.model_dump(mode="json")}
    if kind in POST_EVENTS:
        post_id = _post_id(envelope)
        post = await read_post(post_id)
        if post is None or post.status != "visible":
            return None
        return {"post": post.model_dump(mode="json")}
    if kind == types.REACTION_CHANGED:
        reaction = debate_events_pb2.ReactionChanged()
        envelope.payload.Unpack(reaction)
        post = await read_post(reaction.post_id)
        if post is None or post.status != "visible":
            return None
        return {"post_id": post.id, "thread_id": post.thread_id,
                "reaction_counts": dict(post.reaction_counts)}
    if kind == types.PHASE_CHANGED:
        changed = debate_events_pb2.PhaseChanged()
        envelope.payload.Unpack(changed)
        return {"previous_phase": _phase(changed.previous_phase),
                "current_phase": _phase(changed.current_phase),
                "change": threads_pb2.PhaseChange.Name(changed.change)
                .removeprefix("PHASE_CHANGE_").lower()}
    if kind == types.POST_HIDDEN:
        moderated = debate_events_pb2.PostModerated()
        envelope.payload.Unpack(moderated)
        return {"post_id": moderated.post_id, "thread_id": moderated.thread_id}
    if kind in SYNTHESIS_EVENTS:
        return _synthesis(envelope)
    if kind in (types.POST_PINNED, types.POST_UNPINNED):
        pinned = debate_events_pb2.PostPinned()
        envelope.payload.Unpack(pinned)
        return {"post_id": pinned.post_id, "thread_id": pinned.thread_id,
                "pinned": pinned.pinned}
    return None


def _synthesis(envelope: events_pb2.EventEnvelope) -> dict[str, Any] | None:
    """The ids and state a synthesis event carries, by its payload."""
    payload = types.payload_of(envelope.type)()
    if not envelope.payload.Unpack(payload):
        return None
    if isinstance(payload, synthesis_pb2.ExtractChanged):
        return {"extract_id": payload.extract_id, "post_id": payload.post_id,
                "state": synthesis_pb2.ExtractState.Name(payload.state)
                .removeprefix("EXTRACT_STATE_").lower()}
    if isinstance(payload, synthesis_pb2.IdeaChanged):
        return {"idea_id": payload.idea_id,
                "status": synthesis_pb2.IdeaStatus.Name(payload.status)
                .removeprefix("IDEA_STATUS_").lower(),
                "merged_into": payload.merged_into or None}
    if isinstance(payload, synthesis_pb2.SynthesisChanged):
        return {"synthesis_id": payload.synthesis_id, "version": payload.version or None,
                "contest_id": payload.contest_id or None}
    return None


def _post_id(envelope: events_pb2.EventEnvelope) -> str:
    for message in (events_pb2.PostCreated(), debate_events_pb2.PostEdited(),
                    debate_events_pb2.PostModerated()):
        if envelope.payload.Is(message.DESCRIPTOR):
            envelope.payload.Unpack(message)
            return str(message.post_id)
    return ""


def _phase(value: threads_pb2.PhaseKind.ValueType) -> str | None:
    if value == threads_pb2.PHASE_KIND_UNSPECIFIED:
        return None
    return threads_pb2.PhaseKind.Name(value).removeprefix("PHASE_KIND_").lower()
