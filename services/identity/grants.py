"""Role grants per consultation, the platform operator role, and the audit log.

A grant is one document `(consultation, account, role)` (unique), written with its
`role.granted` / `role.revoked` event and an audit record in one transaction. The
platform operator is a grant on the empty consultation id. Only strategists of the
consultation and operators change grants, and nobody changes their own roles: the
service re-checks this with the roles the gateway resolved (defence in depth).
"""

from __future__ import annotations

from typing import Any, TypeVar

from google.protobuf.message import Message
from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from agora.v1 import identity_pb2
from agora_kit.clock import now
from agora_kit.errors import AlreadyExists, InvalidArgument, PermissionDenied
from agora_kit.events.catalog import EVENTS, EventType
from agora_kit.events.envelope import new_envelope
from agora_kit.events.outbox import Outbox
from agora_kit.ids import new_id
from agora_kit.mongo import Session
from agora_kit.runtime import Dependencies
from agora_kit.types import Document

M = TypeVar("M", bound=Message)
CONSULTATION_ROLES = ("participant", "moderator", "idea_catcher", "synthesiser",
                      "knowledge_manager", "expert", "strategist")
PLATFORM = ""  # the consultation id of platform-wide grants
OPERATOR = "operator"
MANAGERS = frozenset({"strategist", OPERATOR})


def check_manager(*, actor: str, actor_roles: list[str], subject: str | None = None) -> None:
    """Refuse unless the actor may manage this consultation (and not their own roles)."""
    if not MANAGERS & set(actor_roles):
        raise PermissionDenied("only a strategist of this consultation or an operator may")
    if subject is not None and subject == actor:
        raise PermissionDenied("nobody changes their own roles")


def check_role(consultation_id: str, role: str) -> None:
    allowed = (OPERATOR,) if consultation_id == PLATFORM else CONSULTATION_ROLES
    if role not in allowed:
        raise InvalidArgument(f"role must be one of {', '.join(allowed)}", field="role")


class Grants:
    def __init__(self, deps: Dependencies) -> None:
        self._deps = deps
        self.grants = deps.db["grants"]
        self._audit = deps.db["audit_log"]

    async def ensure_indexes(self) -> None:
        await self.grants.create_index(
            [("consultation_id", ASCENDING), ("account_id", ASCENDING), ("role", ASCENDING)],
            unique=True,
        )
        await self.grants.create_index([("account_id", ASCENDING)])
        await self._audit.create_index([("consultation_id", ASCENDING), ("at", ASCENDING)])

    async def roles_of(self, account_id: str, consultation_id: str) -> set[str]:
        scopes = list({PLATFORM, consultation_id})
        cursor = self.grants.find({"account_id": account_id, "consultation_id": {"$in": scopes}})
        return {grant["role"] async for grant in cursor}

    async def grant(self, *, consultation_id: str, account_id: str, role: str,
                    actor: str, actor_roles: list[str]) -> Document:
        check_role(consultation_id, role)
        check_manager(actor=actor, actor_roles=actor_roles, subject=account_id)
        if consultation_id == PLATFORM and OPERATOR not in actor_roles:
            raise PermissionDenied("only an operator makes operators")
        document = {"_id": new_id(), "consultation_id": consultation_id,
                    "account_id": account_id, "role": role, "granted_by": actor,
                    "granted_at": now()}
        event = identity_pb2.RoleGranted(account_id=account_id, role=role, granted_by=actor)

        async def work(session: Session, outbox: Outbox) -> None:
            await self.grants.insert_one(document, session=session)
            await self._record(session, outbox, EVENTS.role_granted, consultation_id, actor,
                               event, {"account_id": account_id, "role": role})

        try:
            await self._deps.commit(work)
        except DuplicateKeyError:
            raise AlreadyExists("this account already holds this role here") from None
        return document

    async def revoke(self, *, consultation_id: str, account_id: str, role: str,
                     actor: str, actor_roles: list[str]) -> None:
        check_role(consultation_id, role)
        check_manager(actor=actor, actor_roles=actor_roles, subject=account_id)
        event = identity_pb2.RoleRevoked(account_id=account_id, role=role, revoked_by=actor)
        query = {"consultation_id": consultation_id, "account_id": account_id, "role": role}

        async def work(session: Session, outbox: Outbox) -> int:
            deleted = await self.grants.delete_one(query, session=session)
            if deleted.deleted_count:
                await self._record(session, outbox, EVENTS.role_revoked, consultation_id,
                                   actor, event, {"account_id": account_id, "role": role})
            return deleted.deleted_count

        # Idempotent, as DELETE is: revoking a role that is not held (twice, or a retry
        # after a lost answer) changes nothing, records nothing and succeeds.
        await self._deps.commit(work)

    async def of_consultation(self, consultation_id: str) -> list[Document]:
        cursor = self.grants.find({"consultation_id": consultation_id}).sort("_id", ASCENDING)
        return await cursor.limit(1000).to_list()

    async def audit(self, consultation_id: str) -> list[Document]:
        cursor = self._audit.find({"consultation_id": consultation_id}).sort("at", ASCENDING)
        return await cursor.limit(1000).to_list()

    async def _record(self, session: Session, outbox: Outbox, event_type: EventType[M],
                      consultation_id: str, actor: str, payload: M,
                      details: dict[str, Any]) -> None:
        """The event (outbox) and its audit record, inside the caller's transaction."""
        envelope = new_envelope(event_type=event_type, consultation_id=consultation_id,
                                actor=actor, payload=payload)
        await outbox.add(envelope, session=session)
        await self._audit.insert_one(
            {"_id": envelope.event_id, "type": event_type.name, "consultation_id": consultation_id,
             "actor": actor, "at": now(), **details},
            session=session,
        )
