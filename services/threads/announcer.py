"""Announce the phase changes the calendar alone makes.

The current phase follows the dates, so at a phase boundary the consultation changes
phase without anyone acting. Every tick (one replica, under a lease) compares each
scheduled consultation's date-derived phase with the one it last announced
(`announced_phase`) and, when they differ, writes the new announced phase and a
`consultation.phase_changed` event (change `calendar`) in one transaction. The
document is re-read inside the transaction and the update is conditional on the
announced phase it saw, so two racing ticks publish once: the loser matches nothing
(or hits a write conflict, retries and finds nothing to do).
"""

from __future__ import annotations

import logging

from agora.v1 import threads_pb2
from agora_kit.clock import now
from agora_kit.events.catalog import EVENTS
from agora_kit.events.envelope import new_envelope
from agora_kit.events.outbox import Outbox
from agora_kit.mongo import Session
from services.threads import phases
from services.threads.adapt import phase_changed
from services.threads.store import (
    ANNOUNCED_PHASE,
    ThreadsStore,
    consultation_phases,
    phase_kind,
)

log = logging.getLogger(__name__)
ACTOR = "system:calendar"


async def announce_due(store: ThreadsStore) -> int:
    """Publish each pending calendar phase change once; returns how many were published."""
    moment = now()
    published = 0
    scheduled = store.consultations.find({"phases": {"$ne": []}},
                                         projection={"phases": 1, ANNOUNCED_PHASE: 1})
    async for consultation in scheduled:
        stored = consultation.get(ANNOUNCED_PHASE)
        due = phase_kind(phases.current(consultation_phases(consultation), moment))
        if isinstance(stored, str) and stored == due:
            continue
        if await announce(store, consultation["_id"]):
            published += 1
    return published


async def announce(store: ThreadsStore, consultation_id: str) -> bool:
    """One consultation: record and publish its current phase if it is not announced yet.

    A consultation stored before announcements existed gets its current phase recorded
    silently: what its clients last heard is unknown, and a burst of stale events at
    deployment would tell them nothing new.
    """

    async def work(session: Session, outbox: Outbox) -> bool:
        consultation = await store.consultations.find_one({"_id": consultation_id},
                                                          session=session)
        if consultation is None:
            return False
        moment = now()
        schedule = consultation_phases(consultation)
        current = phases.current(schedule, moment)
        previous = consultation.get(ANNOUNCED_PHASE)
        if previous == phase_kind(current):
            return False
        result = await store.consultations.update_one(
            {"_id": consultation_id, ANNOUNCED_PHASE: previous},
            {"$set": {ANNOUNCED_PHASE: phase_kind(current)}}, session=session)
        if result.modified_count != 1 or not isinstance(previous, str):
            return False
        payload = phase_changed(consultation, previous=previous, current=current,
                                change=threads_pb2.PHASE_CHANGE_CALENDAR)
        await outbox.add(new_envelope(event_type=EVENTS.consultation_phase_changed,
                                      consultation_id=consultation_id, actor=ACTOR,
                                      payload=payload), session=session)
        return True

    announced: bool = await store.commit(work)
    if announced:
        log.info("phase change announced", extra={"consultation_id": consultation_id})
    return announced
