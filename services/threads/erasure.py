"""Anonymising authorship when an account is erased (`user.erased` from identity).

The content stays; its author becomes `former-participant`. The update is idempotent
(a second delivery finds nothing left to change). In the same transaction it publishes
`content.anonymised`, so caches of rendered posts (the gateway's page cache) drop what
they hold only once the rewrite is committed.
"""

from __future__ import annotations

from agora.v1 import events_pb2
from agora_kit.events.catalog import EVENTS
from agora_kit.events.consumer import ConsumerSpec
from agora_kit.events.envelope import MalformedEvent, new_envelope
from agora_kit.events.outbox import Outbox
from agora_kit.mongo import Database, Session

FORMER_PARTICIPANT = "former-participant"
ANONYMISED = EVENTS.content_anonymised
ERASURE_CONSUMER = ConsumerSpec(durable="threads-erasure",
                                filter_subjects=[EVENTS.user_erased.filter_subject])


class Erasure:
    def __init__(self, db: Database, outbox: Outbox) -> None:
        self._db = db
        self._outbox = outbox

    async def anonymise(self, envelope: events_pb2.EventEnvelope, session: Session) -> None:
        erased = EVENTS.user_erased.unpack(envelope)
        if not erased.account_id:
            raise MalformedEvent(f"{envelope.type} does not carry a UserErased")
        account = erased.account_id
        for name, fields in (("posts", ("author_id", "created_by")),
                             ("threads", ("created_by",)), ("consultations", ("created_by",))):
            for field in fields:
                await self._db[name].update_many({field: account},
                                                 {"$set": {field: FORMER_PARTICIPANT}},
                                                 session=session)
        await self._outbox.add(new_envelope(event_type=ANONYMISED, actor="system",
                                            consultation_id=envelope.consultation_id,
                                            payload=erased), session=session)
