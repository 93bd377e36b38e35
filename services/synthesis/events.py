"""The one place the synthesis service writes its events (`extract.*`, `idea.*`,
`synthesis.*`, `contest.*`, each a type of the kit's catalog) into its outbox, inside the
caller's transaction."""

from __future__ import annotations

from google.protobuf.message import Message

from agora_kit.events.catalog import EventType
from agora_kit.events.envelope import new_envelope
from agora_kit.events.outbox import Outbox
from agora_kit.mongo import Session


async def publish(outbox: Outbox, *, event_type: EventType[Message], consultation_id: str,
                  actor: str, payload: Message, session: Session) -> None:
    await outbox.add(new_envelope(event_type=event_type, consultation_id=consultation_id,
                                  actor=actor, payload=payload), session=session)
