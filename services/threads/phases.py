"""The phases of a consultation: which one is current, and how strategists adapt them.

Pure functions over plain data, so the rules are tested without a server. A phase is a
half-open interval [starts_at, ends_at); intervals never overlap. The current phase is
the one covering now. A consultation with no phases is unscheduled: every module is
open (the first slice's consultations, and small informal ones). Advance, extend and
reopen rewrite the dates, so "what is current" always follows from the dates alone and
an audit of the dates explains every change.

The calendar moves as one: when a change moves the end of a phase, every phase dated
after it moves by the same amount, keeping its length and any break the strategist put
between phases. So a calendar without holes never gets one, and nothing overlaps:
advancing brings the rest of the calendar forward, extending pushes it back. Dates set
one by one (gaps included) are the structure's business (`PUT .../structure`).
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
        check_modules(phase.kind, phase.modules, field=f"phases.{i}.modules")
    by_start = sorted(phases, key=lambda p: p.starts_at)
    for before, after in pairwise(by_start):
        if after.starts_at < before.ends_at:
            raise InvalidArgument(f"phases {before.kind} and {after.kind} overlap", field="phases")
    return list(phases)


def check_modules(kind: str, modules: Sequence[str], *, field: str) -> None:
    """A phase activates some of the modules the method gives it (DESIGN §1), no other:
    ideation cannot hold the token vote."""
    offered = DEFAULT_MODULES[kind]
    if not modules:
        raise InvalidArgument(f"phase {kind} needs at least one module", field=field)
    if len(set(modules)) != len(modules):
        raise InvalidArgument("modules must not repeat", field=field)
    foreign = [m for m in modules if m not in offered]
    if foreign:
        unknown = [m for m in foreign if m not in MODULES]
        what = "unknown modules" if unknown else f"not modules of the {kind} phase"
        raise InvalidArgument(f"{', '.join(foreign)}: {what}; {kind} offers "
                              f"{', '.join(offered)}", field=field)


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


def _shift(phases: list[Phase], *, from_: datetime, by: timedelta, keep: set[int]) -> None:
    """Move every phase dated from `from_` on (but those in keep) by `by`."""
    for i, phase in enumerate(phases):
        if i not in keep and phase.starts_at >= from_:
            phases[i] = replace(phase, starts_at=phase.starts_at + by,
                                ends_at=phase.ends_at + by)


def _following(phases: Sequence[Phase], moment: datetime) -> int | None:
    """The phase dated first from moment on."""
    later = [i for i, p in enumerate(phases) if p.starts_at >= moment]
    return min(later, key=lambda i: phases[i].starts_at) if later else None


def advance(phases: Sequence[Phase], moment: datetime) -> list[Phase]:
    """End the current phase now and start the next one now; the rest of the calendar
    moves earlier by as much (lengths and breaks kept)."""
    if not phases:
        raise FailedPrecondition("this consultation has no phases to advance")
    result = list(phases)
    running = current(result, moment)
    if running is None:
        target = _following(result, moment)
        if target is None:
            raise FailedPrecondition("the last phase is over; reopen a phase instead")
        keep = set()
    else:
        i = result.index(running)
        target = _following(result, running.ends_at)
        if target is None:
            raise FailedPrecondition(f"{running.kind} is the last phase")
        result[i] = replace(running, ends_at=moment)
        keep = {i}
    _shift(result, from_=result[target].starts_at, by=moment - result[target].starts_at,
           keep=keep)
    return validate(result)


def extend(phases: Sequence[Phase], kind: str, ends_at: datetime, moment: datetime) -> list[Phase]:
    """Move the end of a phase that has not ended (later or earlier); the phases after
    it move by the same amount."""
    result = list(phases)
    i = _index(result, kind)
    phase = result[i]
    if phase.ends_at <= moment:
        raise FailedPrecondition(f"{kind} has ended; reopen it to run it again", field="phase")
    if ends_at <= max(phase.starts_at, moment):
        raise InvalidArgument("the new end must be in the future and after the start",
                              field="ends_at")
    _shift(result, from_=phase.ends_at, by=ends_at - phase.ends_at, keep={i})
    result[i] = replace(phase, ends_at=ends_at)
    return validate(result)


def reopen(phases: Sequence[Phase], kind: str, ends_at: datetime, moment: datetime) -> list[Phase]:
    """Make a phase that has run current again, from now to ends_at. A running phase that
    comes later in the method is interrupted: it resumes after the window with the time
    it had left; one that comes earlier ends now. The phases after it move so the
    calendar stays contiguous; between phases, those to come move only if the window
    reaches them. Reopening the running phase moves its end (extend)."""
    result = list(phases)
    i = _index(result, kind)
    if ends_at <= moment:
        raise InvalidArgument("a reopened phase must end in the future", field="ends_at")
    if result[i].starts_at > moment:
        raise FailedPrecondition(f"{kind} has not started yet; advance to it instead",
                                 field="phase")
    running = current(result, moment)
    if running is not None and running.kind == kind:
        return extend(result, kind, ends_at, moment)
    if running is None:
        following = _following(result, moment)
        if following is not None:
            reach = ends_at - result[following].starts_at
            _shift(result, from_=moment, by=max(reach, timedelta(0)), keep={i})
    else:
        r = result.index(running)
        if ORDER.index(running.kind) > ORDER.index(kind):
            left = running.ends_at - moment
            _shift(result, from_=running.ends_at, by=ends_at - moment, keep={i, r})
            result[r] = replace(running, starts_at=ends_at, ends_at=ends_at + left)
        else:
            _shift(result, from_=running.ends_at, by=ends_at - running.ends_at, keep={i, r})
            result[r] = replace(running, ends_at=moment)
    result[i] = replace(result[i], starts_at=moment, ends_at=ends_at)
    return validate(result)
