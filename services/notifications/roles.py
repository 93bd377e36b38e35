"""Who holds which role in a consultation, as identity announces it (`role.granted`,
`role.revoked`): a read model like `posts` and `contests`, so the fan-out learns the
facilitators it tells (moderators, synthesisers) from events, in its own transaction,
never by asking identity for each event.

Platform-wide grants (operators, the empty consultation id) name no consultation's
facilitators and are never asked for.
"""

from __future__ import annotations

from pymongo import ASCENDING

from agora.v1 import events_pb2, identity_pb2
from agora_kit.events.catalog import EVENTS, unpack
from agora_kit.mongo import Database, Session

ROLES = "roles"  # consultation, account and role
SUBJECTS = (EVENTS.role_granted, EVENTS.role_revoked)


class Roles:
    def __init__(self, db: Database) -> None:
        self.collection = db[ROLES]

    async def ensure_indexes(self) -> None:
        await self.collection.create_index([("consultation_id", ASCENDING), ("role", ASCENDING)])

    async def apply(self, envelope: events_pb2.EventEnvelope, session: Session) -> None:
        changed = unpack(envelope, EVENTS.role_granted, EVENTS.role_revoked)
        assert isinstance(changed, identity_pb2.RoleGranted | identity_pb2.RoleRevoked)
        key = f"{envelope.consultation_id}:{changed.account_id}:{changed.role}"
        if envelope.type == EVENTS.role_granted.name:
            await self.collection.update_one(
                {"_id": key},
                {"$setOnInsert": {"consultation_id": envelope.consultation_id,
                                  "account_id": changed.account_id, "role": changed.role}},
                upsert=True, session=session)
        else:
            await self.collection.delete_one({"_id": key}, session=session)

    async def holders(self, session: Session, consultation_id: str, role: str) -> set[str]:
        cursor = self.collection.find({"consultation_id": consultation_id, "role": role},
                                      {"account_id": 1}, session=session)
        return {doc["account_id"] async for doc in cursor}
