"""Which phase a consultation is in, as the voting service knows it: a small read model.

Threads owns phases. Voting keeps the dated phase list of each consultation it has
sessions for (`consultation_phases`), seeded by a `GetConsultation` call when a session
is created or opened (rare, and authoritative at that moment) and kept current by
`consultation.phase_changed` / `consultation.updated` events, whose payload carries the
whole list (idempotently, through the shared consumer machinery). The current phase is
computed from the dates at each moment, so a phase that ends by the calendar ends here
too without any event. Ballots ask an in-process copy refreshed at most once per
`CACHE_SECONDS` per consultation: the hot path has no extra round trip.

A consultation without scheduled phases is unscheduled and, as in threads
(`services/threads/phases.py`), no phase guard applies.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from google.protobuf.timestamp_pb2 import Timestamp
from pymongo.errors import DuplicateKeyError

from agora.v1 import events_pb2, threads_pb2, threads_pb2_grpc
from agora_kit.cache import BoundedCache
from agora_kit.clock import SYSTEM_CLOCK, Clock
from agora_kit.consultations import fetch_consultation
from agora_kit.errors import FailedPrecondition
from agora_kit.events.catalog import EVENTS, unpack
from agora_kit.events.consumer import ConsumerSpec
from agora_kit.grpc_interceptors import client_channel
from agora_kit.mongo import Database, Session
from agora_kit.types import Document

PRIORITISATION = "prioritisation"
COLLECTION = "consultation_phases"
CACHE_SECONDS = 1.0
CACHE_ENTRIES = 10_000  # consultations this process keeps phases of in memory
RPC_TIMEOUT_SECONDS = 5.0
CONSUMER = ConsumerSpec(
    durable="voting-phases",
    filter_subjects=[EVENTS.consultation_phase_changed.filter_subject,
                     EVENTS.consultation_updated.filter_subject],
)



@dataclass(frozen=True)
class Span:
    kind: str
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class Consultation:
    """What threads answered about a consultation: its dated phases and its languages
    (sessions are written in those, `sessions.create`)."""

    spans: list[Span]
    languages: list[str]


def _kind(value: threads_pb2.PhaseKind.ValueType) -> str:
    return threads_pb2.PhaseKind.Name(value).removeprefix("PHASE_KIND_").lower()


def _at(stamp: Timestamp) -> datetime:
    return stamp.ToDatetime(tzinfo=UTC)


def spans_of(phases: list[threads_pb2.Phase]) -> list[Span]:
    return [Span(_kind(p.kind), _at(p.starts_at), _at(p.ends_at)) for p in phases]


def current(spans: list[Span], at: datetime) -> str | None:
    return next((s.kind for s in spans if s.starts_at <= at < s.ends_at), None)


def require_prioritisation(spans: list[Span], at: datetime) -> None:
    """FailedPrecondition (409 "wrong phase") unless the consultation is unscheduled or in
    its prioritisation phase at `at`."""
    if not spans:
        return
    kind = current(spans, at)
    if kind != PRIORITISATION:
        where = f"in its {kind} phase" if kind else "between phases"
        raise FailedPrecondition(
            f"wrong phase: the consultation is {where}; token votes take place in its "
            f"{PRIORITISATION} phase", field="phase")


def _to_doc(spans: list[Span]) -> list[Document]:
    return [{"kind": s.kind, "starts_at": s.starts_at, "ends_at": s.ends_at} for s in spans]


def _of_doc(docs: list[Document]) -> list[Span]:
    return [Span(d["kind"], d["starts_at"], d["ends_at"]) for d in docs]


class PhaseBook:
    def __init__(self, db: Database, threads_addr: str, *, clock: Clock = SYSTEM_CLOCK) -> None:
        self.collection = db[COLLECTION]
        self._threads_addr = threads_addr
        self._stub: threads_pb2_grpc.ThreadsServiceStub | None = None
        self._cache: BoundedCache[str, list[Span]] = BoundedCache(
            CACHE_ENTRIES, ttl=CACHE_SECONDS, clock=clock)

    def _threads(self) -> threads_pb2_grpc.ThreadsServiceStub:
        if self._stub is None:
            self._stub = threads_pb2_grpc.ThreadsServiceStub(
                client_channel(self._threads_addr, service="voting"))
        return self._stub

    async def fetch(self, consultation_id: str) -> Consultation:
        """Ask threads now (NotFound for an unknown consultation) and record the phases."""
        asked_at = datetime.now(UTC)
        consultation = await fetch_consultation(self._threads(), consultation_id,
                                                    deadline_seconds=RPC_TIMEOUT_SECONDS)
        spans = spans_of(list(consultation.phases))
        await self._record(consultation_id, spans, asked_at, session=None)
        self._cache.put(consultation_id, spans)
        return Consultation(spans, list(consultation.languages))

    async def spans(self, consultation_id: str) -> list[Span]:
        """The consultation's phases from the in-process copy (at most CACHE_SECONDS old)."""
        if (cached := self._cache.get(consultation_id)) is not None:
            return cached
        found = await self.collection.find_one({"_id": consultation_id})
        if found is None:
            return (await self.fetch(consultation_id)).spans
        spans = _of_doc(found["phases"])
        self._cache.put(consultation_id, spans)
        return spans

    async def apply(self, envelope: events_pb2.EventEnvelope, session: Session) -> None:
        """Consumer handler: record the phases an event carries, unless newer ones are."""
        payload = unpack(envelope, EVENTS.consultation_phase_changed,
                         EVENTS.consultation_updated)
        if payload.phases:
            await self._record(payload.consultation_id, spans_of(list(payload.phases)),
                               _at(envelope.occurred_at), session=session)
        elif payload.current_phase != threads_pb2.PHASE_KIND_UNSPECIFIED:
            # A change that names a phase but not the dates (an emitter that sends less):
            # forget what we knew, so the next read asks threads.
            await self.collection.delete_one({"_id": payload.consultation_id},
                                             session=session)
        else:
            await self._record(payload.consultation_id, [], _at(envelope.occurred_at),
                               session=session)
        self._cache.pop(payload.consultation_id)

    async def _record(self, consultation_id: str, spans: list[Span], as_of: datetime,
                      *, session: Session | None) -> None:
        """Keep the newest knowledge: an event older than what is stored changes nothing."""
        stored = await self.collection.find_one({"_id": consultation_id}, {"as_of": 1},
                                                session=session)
        if stored is not None and stored["as_of"] >= as_of:
            return
        try:
            await self.collection.update_one(
                {"_id": consultation_id},
                {"$set": {"phases": _to_doc(spans), "as_of": as_of}}, upsert=True,
                session=session)
        except DuplicateKeyError:  # a concurrent first record of the same consultation
            if session is not None:
                raise

