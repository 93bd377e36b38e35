"""The current phase of every consultation as a gauge (`agora_consultation_phase`).

Every replica refreshes it (no lease): each exports the same values from the same
calendars, so a dashboard's `max by (consultation, phase)` is right whichever replicas are
scraped, and a replica never keeps a stale phase the way a lease holder that lost its
lease would.
"""

from __future__ import annotations

from agora_kit.clock import now
from services.threads import phases
from services.threads.metrics import CONSULTATION_PHASE
from services.threads.store import ThreadsStore, consultation_phases, phase_kind


class PhaseGauge:
    """Refreshes the gauge; label sets of a phase that ended are removed, not zeroed."""

    def __init__(self, store: ThreadsStore) -> None:
        self._store = store
        self._exported: set[tuple[str, str]] = set()

    async def export(self) -> int:
        """Set the gauge from the calendars; returns how many consultations it covers."""
        moment = now()
        current: set[tuple[str, str]] = set()
        async for consultation in self._store.consultations.find({}, projection={"phases": 1}):
            kind = phase_kind(phases.current(consultation_phases(consultation), moment))
            current.add((str(consultation["_id"]), kind or "none"))
        for labels in current:
            CONSULTATION_PHASE.labels(*labels).set(1)
        for labels in self._exported - current:
            CONSULTATION_PHASE.remove(*labels)
        self._exported = current
        return len(current)
