"""Building and reading the event envelope (`agora.v1.EventEnvelope`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TypeVar

from google.protobuf.message import DecodeError, Message

from agora.v1 import events_pb2
from agora_kit.events.catalog import EventType as EventType
from agora_kit.events.catalog import MalformedEvent, subject_for
from agora_kit.events.catalog import event_type as catalogued
from agora_kit.ids import new_id
from agora_kit.telemetry import current_trace_context

M = TypeVar("M", bound=Message)
__all__ = ["EventType", "MalformedEvent", "new_envelope", "parse_envelope", "subject_for"]


def new_envelope(
    *, event_type: EventType[M] | str, consultation_id: str, actor: str, payload: M
) -> events_pb2.EventEnvelope:
    """An envelope with a fresh id, the current time and the current trace context, for a
    catalogued event type (a name is looked up in the catalog) and its payload message."""
    kind: EventType[Message] = (
        catalogued(event_type) if isinstance(event_type, str) else event_type)
    if not isinstance(payload, kind.payload):
        raise TypeError(f"{kind.name} carries a {kind.payload.DESCRIPTOR.name}, "
                        f"not a {payload.DESCRIPTOR.name}")
    envelope = events_pb2.EventEnvelope(
        event_id=new_id(),
        type=kind.name,
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
