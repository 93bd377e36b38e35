"""Vote sessions: configuration, the open/closed life cycle, and when ballots are accepted.

A session belongs to a consultation (checked with threads at creation) and to its
prioritisation phase: it opens only in that phase, and ballots are refused outside it
(`phases.py`). Within the phase, the facilitator opens and closes it explicitly, and
optional `opens_at` / `closes_at` dates narrow when ballots are accepted. Its texts are
written in the consultation's languages, which the session keeps (the first one is the
readers' fallback); its proposals keep the order the strategist gave them, unless the
strategist asks for each voter's own shuffled order (`shuffle_proposals`).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
from datetime import datetime
from typing import Any

from pymongo import ASCENDING

from agora.v1 import voting_pb2
from agora.v1.events_pb2 import EventEnvelope
from agora_kit import idempotency
from agora_kit.cache import BoundedCache
from agora_kit.clock import now
from agora_kit.consultations import Unavailable
from agora_kit.errors import FailedPrecondition, InvalidArgument, NotFound
from agora_kit.events.catalog import EVENTS, EventType
from agora_kit.events.envelope import new_envelope
from agora_kit.events.outbox import Outbox
from agora_kit.ids import new_id
from agora_kit.mongo import Session
from agora_kit.runtime import Dependencies
from agora_kit.types import Document
from services.voting import digest, phases, validation
from services.voting.gates import Gates
from services.voting.phases import PhaseBook
from services.voting.validation import CategoryDraft, ProposalDraft

DRAFT, OPEN, CLOSING, CLOSED = "draft", "open", "closing", "closed"
CONFIG_CACHE_SIZE = 1000
STATUS_TO_PROTO = {
    DRAFT: voting_pb2.VOTE_SESSION_STATUS_DRAFT,
    OPEN: voting_pb2.VOTE_SESSION_STATUS_OPEN,
    CLOSING: voting_pb2.VOTE_SESSION_STATUS_CLOSING,  # refusing ballots, counting them
    CLOSED: voting_pb2.VOTE_SESSION_STATUS_CLOSED,
}


def accepting_ballots(session: Document, at: datetime) -> bool:
    return _refusal(session, at) is None


def _refusal(session: Document, at: datetime) -> str | None:
    if session["status"] == DRAFT:
        return "the vote session is not open yet"
    if session["status"] in (CLOSING, CLOSED):
        return "the vote session is closed"
    return _date_refusal(session, at)


def _date_refusal(session: Document, at: datetime) -> str | None:
    if session.get("opens_at") is not None and at < session["opens_at"]:
        return "the vote session is not open yet"
    if session.get("closes_at") is not None and at >= session["closes_at"]:
        return "the vote session is closed"
    return None


def require_accepting(session: Document, at: datetime) -> None:
    """FailedPrecondition (409) unless a ballot may be submitted at this moment."""
    if (reason := _refusal(session, at)) is not None:
        raise FailedPrecondition(reason, field="session_id")


def require_within_dates(session: Document, at: datetime) -> None:
    """FailedPrecondition (409) outside opens_at/closes_at (the status is the gates' job)."""
    if (reason := _date_refusal(session, at)) is not None:
        raise FailedPrecondition(reason, field="session_id")


def voter_order(session: Document, voter: str) -> list[Document]:
    """The proposals as this voter sees them: as the strategist gave them, or, when the
    session shuffles, in the voter's stable shuffled order (keyed by the session secret),
    so the list's head is not the same for everyone and nobody can predict anyone's."""
    if not voter or not session.get("shuffle_proposals"):
        return list(session["proposals"])
    key = bytes.fromhex(session["secret"])

    def rank(proposal: Document) -> bytes:
        return hmac.new(key, f"{voter}:{proposal['id']}".encode(), hashlib.sha256).digest()

    return sorted(session["proposals"], key=rank)


class SessionStore:
    def __init__(self, deps: Dependencies, phase_book: PhaseBook) -> None:
        self._deps = deps
        self.phases = phase_book
        self.sessions = deps.db["vote_sessions"]
        self.gates = Gates(deps.db)
        self._configs: BoundedCache[str, Document] = BoundedCache(CONFIG_CACHE_SIZE)

    async def ensure_indexes(self) -> None:
        await self.sessions.create_index([("consultation_id", ASCENDING), ("_id", ASCENDING)])
        await self.sessions.create_index([("status", ASCENDING)])  # closes to resume
        await self.gates.ensure_indexes()
        async for document in self.sessions.find({"status": OPEN}, {"_id": 1}):
            await self.gates.ensure_for(document["_id"])
        await idempotency.ensure_index(self.sessions)

    async def create(
        self,
        *,
        consultation_id: str,
        instructions: dict[str, str],
        categories: list[CategoryDraft],
        proposals: list[ProposalDraft],
        exclusive_categories: bool,
        live_results: bool,
        shuffle_proposals: bool,
        opens_at: datetime | None,
        closes_at: datetime | None,
        actor: str,
        idempotency_key: str | None,
    ) -> Document:
        if opens_at is not None and closes_at is not None and opens_at >= closes_at:
            raise InvalidArgument("closes_at must be after opens_at", field="closes_at")
        consultation = await self.phases.fetch(consultation_id)  # NotFound if unknown
        validation.within_languages(consultation.languages, instructions=instructions,
                                    categories=categories, proposals=proposals)
        category_docs = [
            {"id": new_id(), "name": dict(c.name), "color": c.color,
             "total_number": c.total_number, "max_per_proposal": c.max_per_proposal}
            for c in categories
        ]
        proposal_docs: list[Document] = [
            {"id": new_id(), "title": dict(p.title), "description": dict(p.description),
             "idea_id": p.idea_id,
             "gauges": [{"id": new_id(), "question": dict(g.question),
                         "choices": [dict(c) for c in g.choices], "min": g.min, "max": g.max,
                         "unit": g.unit} for g in p.gauges]}
            for p in proposals
        ]
        request: dict[str, Any] = {
            "consultation_id": consultation_id, "instructions": instructions,
            "categories": [{k: v for k, v in c.items() if k != "id"} for c in category_docs],
            "proposals": [
                {**{k: v for k, v in p.items() if k not in ("id", "gauges")},
                 "gauges": [{k: v for k, v in g.items() if k != "id"} for g in p["gauges"]]}
                for p in proposal_docs
            ],
            "exclusive_categories": exclusive_categories, "live_results": live_results,
            "shuffle_proposals": shuffle_proposals, "opens_at": opens_at, "closes_at": closes_at,
        }

        async def create(extra: dict[str, Any]) -> Document:
            # Here, not above: a retry of a created session returns it even once it closed.
            if closes_at is not None and closes_at <= now():
                raise InvalidArgument("closes_at must be in the future", field="closes_at")
            document = {
                "_id": new_id(), **request, "categories": category_docs,
                "proposals": proposal_docs, "languages": consultation.languages,
                "status": DRAFT, "secret": digest.new_secret(),
                "results": None, "created_by": actor, "created_at": now(), **extra,
            }

            async def work(session: Session, outbox: Outbox) -> None:
                await self.sessions.insert_one(document, session=session)
                await outbox.add(self._event(document, EVENTS.vote_session_created, actor),
                                 session=session)

            await self._deps.commit(work)
            return document

        return await idempotency.create_once(
            self.sessions, actor=actor, key=idempotency_key, request=request, create=create
        )

    async def get(self, session_id: str, *, session: Session | None = None) -> Document:
        document = await self.sessions.find_one({"_id": session_id}, session=session)
        if document is None:
            raise NotFound(f"vote session {session_id} does not exist", field="session_id")
        return document

    async def page(self, consultation_id: str, *, after: str | None, limit: int,
                   include_drafts: bool) -> list[Document]:
        """A consultation's sessions after the id `after`, oldest first (drafts if asked)."""
        query: dict[str, Any] = {"consultation_id": consultation_id}
        if after is not None:
            query["_id"] = {"$gt": after}
        if not include_drafts:
            query["status"] = {"$ne": DRAFT}
        cursor = self.sessions.find(query).sort("_id", ASCENDING).limit(limit)
        found: list[Document] = await cursor.to_list()
        if not found and after is None:  # none yet, or an unknown consultation (404)?
            with contextlib.suppress(Unavailable):  # threads down: an empty page
                await self.phases.spans(consultation_id)
        return found

    async def config(self, session_id: str) -> Document:
        """The session for validating ballots, cached: proposals and categories never change
        after creation. Its status may be stale; ballots re-read it with `state`."""
        cached = self._configs.get(session_id)
        if cached is None:
            cached = await self.get(session_id)
            self._configs.put(session_id, cached)
        return cached

    async def open(self, session_id: str, *, actor: str) -> Document:
        """Draft → open (ballots accepted from opens_at, if set), in the prioritisation
        phase only (asked of threads now, not of the read model, which may lag)."""
        document = await self.get(session_id)
        consultation = await self.phases.fetch(document["consultation_id"])
        phases.require_prioritisation(consultation.spans, now())

        async def work(session: Session, outbox: Outbox) -> Document:
            document = await self.get(session_id, session=session)
            if document["status"] != DRAFT:
                raise FailedPrecondition(
                    f"only a draft session can be opened (this one is {document['status']})",
                    field="session_id",
                )
            document["status"] = OPEN
            await self.sessions.update_one(
                {"_id": session_id}, {"$set": {"status": OPEN}}, session=session
            )
            await self.gates.create(session_id, session=session)
            await outbox.add(self._event(document, EVENTS.vote_session_opened, actor),
                             session=session)
            return document

        return await self._deps.commit(work)

    async def mark_closing(self, session_id: str, *, actor: str) -> Document:
        """Open → closing: reads report the session closed; the gates still have to shut
        before counting (`Results.close`)."""

        async def work(session: Session, outbox: Outbox) -> Document:
            document = await self.get(session_id, session=session)
            if document["status"] == DRAFT:
                raise FailedPrecondition("a draft session cannot be closed; open it first",
                                         field="session_id")
            if document["status"] == OPEN:
                closing = {"status": CLOSING, "closed_at": now(), "closed_by": actor}
                document |= closing
                await self.sessions.update_one({"_id": session_id}, {"$set": closing},
                                               session=session)
            return document

        document = await self._deps.commit(work)
        self._configs.pop(session_id)  # this replica refuses ballots from now on
        return document

    async def closing(self) -> list[Document]:
        """Sessions marked closing whose results are not published yet."""
        return await self.sessions.find({"status": CLOSING}).to_list()

    async def publish_results(
        self, document: Document, results: Document, event: voting_pb2.VoteSessionClosed,
        *, actor: str,
    ) -> Document:
        """Store the final results (status closed) and the vote_session.closed event, once."""

        async def work(session: Session, outbox: Outbox) -> Document:
            current = await self.get(document["_id"], session=session)
            if current.get("results") is not None:
                return current
            await self.sessions.update_one(
                {"_id": document["_id"]}, {"$set": {"results": results, "status": CLOSED}},
                session=session,
            )
            envelope = new_envelope(event_type=EVENTS.vote_session_closed,
                                    consultation_id=document["consultation_id"], actor=actor,
                                    payload=event)
            await outbox.add(envelope, session=session)
            return {**current, "results": results, "status": CLOSED}

        return await self._deps.commit(work)

    @staticmethod
    def _event(document: Document, event_type: EventType[voting_pb2.VoteSessionChanged],
               actor: str) -> EventEnvelope:
        payload = voting_pb2.VoteSessionChanged(
            session_id=document["_id"], status=STATUS_TO_PROTO[document["status"]]
        )
        if document.get("closes_at") is not None:
            payload.closes_at.FromDatetime(document["closes_at"])
        return new_envelope(event_type=event_type, consultation_id=document["consultation_id"],
                            actor=actor, payload=payload)
