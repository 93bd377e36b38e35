"""Building and reading the event envelope (`agora.v1.EventEnvelope`)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from google.protobuf.message import DecodeError, Message

from agora.v1 import events_pb2
from agora_kit.ids import new_id
from agora_kit.telemetry import current_trace_context

SUBJECT_PREFIX = "agora"
_TYPE = re.compile(r"^[a-z_]+(\.[a-z_]+)+$")


class MalformedEvent(ValueError):
    """Bytes on the bus that are not an envelope we can read (a poison message)."""


def subject_for(consultation_id: str, event_type: str) -> str:
    """`agora.<consultation>.<type>`; the type's dots become subject tokens."""
    if not _TYPE.match(event_type):
        raise ValueError(f"bad event type {event_type!r}")
    return f"{SUBJECT_PREFIX}.{consultation_id or '_'}.{event_type}"


def new_envelope(
    *, event_type: str, consultation_id: str, actor: str, payload: Message
) -> events_pb2.EventEnvelope:
    """An envelope with a fresh id, the current time and the current trace context."""
    envelope = events_pb2.EventEnvelope(
        event_id=new_id(),
        type=event_type,
        consultation_id=consultation_id,
        actor=actor,
        trace_context=current_trace_context(),
    )
    envelope.occurred_at.FromDatetime(datetime.now(UTC))
    envelope.payload.Pack(payload)
    return envelope


def parse_envelope(data: bytes) -> events_pb2.EventEnvelope:
    envelope = events_pb2.EventEnvelope()
    try:
        envelope.ParseFromString(data)
    except DecodeError as error:
        raise MalformedEvent(f"not an EventEnvelope: {error}") from None
    if not envelope.event_id or not envelope.type:
        raise MalformedEvent("envelope without event_id or type")
    return envelope
