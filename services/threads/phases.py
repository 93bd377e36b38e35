"""The phases of a consultation: which one is current, and how strategists adapt them.

Pure functions over plain data, so the rules are tested without a server. A phase is a
half-open interval [starts_at, ends_at); intervals never overlap. The current phase is
the one covering now. A consultation with no phases is unscheduled: every module is
open (the first slice's consultations, and small informal ones). Advance, extend and
reopen rewrite the dates, so "what is current" always follows from the dates alone and
an audit of the dates explains every change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from itertools import pairwise

from agora_kit.errors import FailedPrecondition, InvalidArgument

ORDER = ("appropriation", "ideation", "deepening", "prioritisation", "deliverable")
DEFAULT_MODULES: dict[str, tuple[str, ...]] = {
    "appropriation": ("survey", "resources"),
    "ideation": ("threads", "harvesting", "syntheses"),
    "deepening": ("two_column",),
    "prioritisation": ("token_vote",),
    "deliverable": ("deliverable",),
}
MODULES = frozenset(m for modules in DEFAULT_MODULES.values() for m in modules)
MAX_DURATION = timedelta(days=366)


@dataclass(frozen=True)
class Phase:
    kind: str
    starts_at: datetime
    ends_at: datetime
    modules: tuple[str, ...]

    def covers(self, moment: datetime) -> bool:
        return self.starts_at <= moment < self.ends_at

    def to_doc(self) -> dict[str, object]:
        return {"kind": self.kind, "starts_at": self.starts_at, "ends_at": self.ends_at,
                "modules": list(self.modules)}

    @classmethod
    def of_doc(cls, doc: dict[str, object]) -> Phase:
        starts_at, ends_at, modules = doc["starts_at"], doc["ends_at"], doc["modules"]
        assert isinstance(starts_at, datetime)
        assert isinstance(ends_at, datetime)
        assert isinstance(modules, list)
        return cls(str(doc["kind"]), starts_at, ends_at, tuple(modules))


def validate(phases: Sequence[Phase]) -> list[Phase]:
    """Phases in the method's order, each at most once, well-dated and not overlapping."""
    kinds = [p.kind for p in phases]
    if len(set(kinds)) != len(kinds):
        raise InvalidArgument("a phase may appear only once", field="phases")
    if kinds != sorted(kinds, key=ORDER.index):
        raise InvalidArgument(f"phases must follow the order {', '.join(ORDER)}", field="phases")
    for i, phase in enumerate(phases):
        if phase.ends_at <= phase.starts_at:
            raise InvalidArgument(f"phase {phase.kind} must end after it starts",
                                  field=f"phases.{i}.ends_at")
        if phase.ends_at - phase.starts_at > MAX_DURATION:
            raise InvalidArgument(f"phase {phase.kind} lasts more than a year",
                                  field=f"phases.{i}.ends_at")
        unknown = set(phase.modules) - MODULES
        if unknown:
            raise InvalidArgument(f"unknown modules {sorted(unknown)}; known: {sorted(MODULES)}",
                                  field=f"phases.{i}.modules")
    by_start = sorted(phases, key=lambda p: p.starts_at)
    for before, after in pairwise(by_start):
        if after.starts_at < before.ends_at:
            raise InvalidArgument(f"phases {before.kind} and {after.kind} overlap", field="phases")
    return list(phases)


def current(phases: Sequence[Phase], moment: datetime) -> Phase | None:
    return next((p for p in phases if p.covers(moment)), None)


def require_module(phases: Sequence[Phase], module: str, moment: datetime) -> None:
    """FailedPrecondition unless the phase current at moment activates module."""
    if not phases:
        return
    phase = current(phases, moment)
    if phase is None:
        raise FailedPrecondition(f"no phase is open now, so {module} is closed")
    if module not in phase.modules:
        open_in = [p.kind for p in phases if module in p.modules]
        where = f"; it opens in {', '.join(open_in)}" if open_in else ""
        raise FailedPrecondition(
            f"{module} is not open in the {phase.kind} phase{where}", field="phase")


def _index(phases: Sequence[Phase], kind: str) -> int:
    for i, phase in enumerate(phases):
        if phase.kind == kind:
            return i
    raise InvalidArgument(f"this consultation has no {kind} phase", field="phase")


def _push_later(phases: list[Phase], keep: int, not_before: datetime) -> None:
    """Shift phases starting after phases[keep] so none starts before not_before."""
    cursor = not_before
    for i in sorted(range(len(phases)), key=lambda j: phases[j].starts_at):
        phase = phases[i]
        if i == keep or phase.ends_at <= phases[keep].starts_at:
            continue
        if phase.starts_at < cursor:
            shift = cursor - phase.starts_at
            phase = replace(phase, starts_at=phase.starts_at + shift,
                            ends_at=phase.ends_at + shift)
            phases[i] = phase
        cursor = max(cursor, phase.ends_at)


def advance(phases: Sequence[Phase], moment: datetime) -> list[Phase]:
    """End the current phase now and start the next one now (keeping its length)."""
    if not phases:
        raise FailedPrecondition("this consultation has no phases to advance")
    result = list(phases)
    now_phase = current(result, moment)
    if now_phase is None:
        upcoming = [i for i, p in enumerate(result) if p.starts_at > moment]
        if not upcoming:
            raise FailedPrecondition("the last phase is over; reopen a phase instead")
        target = upcoming[0]
    else:
        i = result.index(now_phase)
        if i + 1 == len(result):
            raise FailedPrecondition(f"{now_phase.kind} is the last phase")
        result[i] = replace(now_phase, ends_at=moment)
        target = i + 1
    nxt = result[target]
    result[target] = replace(nxt, starts_at=moment,
                             ends_at=moment + (nxt.ends_at - nxt.starts_at))
    _push_later(result, target, result[target].ends_at)
    return validate(result)


def extend(phases: Sequence[Phase], kind: str, ends_at: datetime, moment: datetime) -> list[Phase]:
    """Move a phase's end; later phases move by as much as needed to stay after it."""
    result = list(phases)
    i = _index(result, kind)
    if ends_at <= max(result[i].starts_at, moment):
        raise InvalidArgument("the new end must be in the future and after the start",
                              field="ends_at")
    result[i] = replace(result[i], ends_at=ends_at)
    _push_later(result, i, ends_at)
    return validate(result)


def reopen(phases: Sequence[Phase], kind: str, ends_at: datetime, moment: datetime) -> list[Phase]:
    """Make a phase current from now to ends_at. A running phase that comes later in the
    method resumes after the reopened window with the time it had left; one that comes
    earlier ends now. Phases dated inside the window move after it."""
    result = list(phases)
    i = _index(result, kind)
    if ends_at <= moment:
        raise InvalidArgument("a reopened phase must end in the future", field="ends_at")
    running = current(result, moment)
    if running is not None and running.kind != kind:
        later = ORDER.index(running.kind) > ORDER.index(kind)
        result[result.index(running)] = (replace(running, starts_at=moment) if later
                                         else replace(running, ends_at=moment))
    result[i] = replace(result[i], starts_at=moment, ends_at=ends_at)
    _push_later(result, i, ends_at)
    return validate(result)
