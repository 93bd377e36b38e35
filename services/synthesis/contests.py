"""Contests: a participant disputes one paragraph of a published synthesis version.

A contest names the version and the paragraph's anchor (which must be in that version:
404 otherwise) and is visible to everyone. A synthesiser answers it (open → answered)
and, when a later version changed or removed the paragraph, marks it taken into account
with that version (checked: the version exists, is later, and its paragraph under the
anchor differs or is gone). Anchors survive versions, so a contest stays attached to
the paragraph wherever it is carried.
"""

from __future__ import annotations

from typing import Any

from google.protobuf.message import Message
from pymongo import ASCENDING

from agora.v1 import synthesis_pb2
from agora_kit import idempotency
from agora_kit.clock import now
from agora_kit.errors import FailedPrecondition, InvalidArgument, NotFound
from agora_kit.events.catalog import EVENTS, EventType
from agora_kit.events.outbox import Outbox
from agora_kit.ids import new_id
from agora_kit.mongo import Client, Database, Session
from agora_kit.transactions import commit
from agora_kit.types import Document
from services.synthesis import permissions
from services.synthesis.events import publish
from services.synthesis.syntheses import Syntheses

CONTESTS = "contests"
OPEN, ANSWERED, TAKEN = "open", "answered", "taken_into_account"
MAX_BODY = 5000


def _body(text: str) -> str:
    if not text.strip() or len(text) > MAX_BODY:
        raise InvalidArgument(f"body has 1 to {MAX_BODY} characters, not only blanks",
                              field="body")
    return text


class Contests:
    def __init__(self, *, mongo: Client, db: Database, outbox: Outbox,
                 syntheses: Syntheses) -> None:
        self._mongo = mongo
        self._outbox = outbox
        self._syntheses = syntheses
        self.contests = db[CONTESTS]

    async def ensure_indexes(self) -> None:
        await self.contests.create_index([("synthesis_id", ASCENDING), ("anchor", ASCENDING),
                                          ("_id", ASCENDING)])
        await idempotency.ensure_index(self.contests)

    async def open(self, *, consultation_id: str, synthesis_id: str, number: int, anchor: str,
                   body: str, actor: str, roles: list[str],
                   idempotency_key: str | None) -> Document:
        permissions.require(permissions.Action.CONTEST, roles)
        version = await self._syntheses.version(consultation_id, synthesis_id, number)
        if anchor not in {p["anchor"] for p in version["paragraphs"]}:
            raise NotFound(f"version {number} has no paragraph {anchor}", field="anchor")
        request = {"synthesis_id": synthesis_id, "version": number, "anchor": anchor,
                   "body": _body(body)}

        async def create(extra: dict[str, Any]) -> Document:
            document: Document = {"_id": new_id(), "consultation_id": consultation_id,
                                  **request, "author_id": actor, "status": OPEN,
                                  "replies": [], "resolved_in_version": None,
                                  "created_by": actor, "created_at": now(), **extra}

            async def work(session: Session) -> Document:
                await self.contests.insert_one(document, session=session)
                await self._event(document, EVENTS.contest_opened, actor, session)
                return document

            created = await commit(self._mongo, self._outbox, lambda session, _: work(session))
            return created

        return await idempotency.create_once(self.contests, actor=actor, key=idempotency_key,
                                             request=request, create=create)

    async def get(self, consultation_id: str, contest_id: str) -> Document:
        found = await self.contests.find_one({"_id": contest_id,
                                              "consultation_id": consultation_id})
        if found is None:
            raise NotFound(f"contest {contest_id} does not exist", field="contest_id")
        return found

    async def answer(self, *, consultation_id: str, contest_id: str, body: str, actor: str,
                     roles: list[str]) -> Document:
        permissions.require(permissions.Action.WRITE_SYNTHESES, roles)
        reply = {"author_id": actor, "body": _body(body), "created_at": now()}
        contest = await self.get(consultation_id, contest_id)
        status = ANSWERED if contest["status"] == OPEN else contest["status"]

        async def work(session: Session) -> Document:
            await self.contests.update_one({"_id": contest_id},
                                           {"$push": {"replies": reply},
                                            "$set": {"status": status}}, session=session)
            updated = {**contest, "status": status, "replies": [*contest["replies"], reply]}
            await self._event(updated, EVENTS.contest_answered, actor, session)
            return updated

        updated = await commit(self._mongo, self._outbox, lambda session, _: work(session))
        return updated

    async def resolve(self, *, consultation_id: str, contest_id: str, number: int,
                      actor: str, roles: list[str]) -> Document:
        permissions.require(permissions.Action.WRITE_SYNTHESES, roles)
        contest = await self.get(consultation_id, contest_id)
        if number <= contest["version"]:
            raise InvalidArgument("the version must be later than the contested one",
                                  field="version")
        later = await self._syntheses.version(consultation_id, contest["synthesis_id"], number)
        contested = await self._syntheses.version(consultation_id, contest["synthesis_id"],
                                                  contest["version"])
        before = {p["anchor"]: p["text"] for p in contested["paragraphs"]}[contest["anchor"]]
        after = {p["anchor"]: p["text"] for p in later["paragraphs"]}.get(contest["anchor"])
        if after == before:
            raise FailedPrecondition(f"version {number} did not change the contested "
                                     "paragraph", field="version")
        change = {"status": TAKEN, "resolved_in_version": number}

        async def work(session: Session) -> Document:
            await self.contests.update_one({"_id": contest_id}, {"$set": change},
                                           session=session)
            updated = {**contest, **change}
            await self._event(updated, EVENTS.contest_resolved, actor, session)
            return updated

        updated = await commit(self._mongo, self._outbox, lambda session, _: work(session))
        return updated

    async def page(self, synthesis_id: str, *, anchor: str | None, after: str | None,
                   limit: int) -> list[Document]:
        query: dict[str, Any] = {"synthesis_id": synthesis_id}
        if anchor:
            query["anchor"] = anchor
        if after is not None:
            query["_id"] = {"$gt": after}
        found: list[Document] = await self.contests.find(query).sort("_id", ASCENDING) \
            .limit(limit).to_list()
        return found

    async def per_anchor(self, synthesis_id: str) -> dict[str, int]:
        """Contests on each anchor of the synthesis (computed, never stored)."""
        counts: dict[str, int] = {}
        async for c in self.contests.find({"synthesis_id": synthesis_id}, {"anchor": 1}):
            counts[c["anchor"]] = counts.get(c["anchor"], 0) + 1
        return counts

    async def _event(self, contest: Document, event_type: EventType[Message], actor: str,
                     session: Session) -> None:
        await publish(self._outbox, event_type=event_type,
                      consultation_id=contest["consultation_id"], actor=actor,
                      payload=synthesis_pb2.SynthesisChanged(
                          synthesis_id=contest["synthesis_id"], version=contest["version"],
                          contest_id=contest["_id"]), session=session)
