"""Phase rules, without servers: current phase from dates, advance, extend, reopen."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from agora_kit.errors import FailedPrecondition, InvalidArgument
from services.threads import phases
from services.threads.phases import Phase

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
DAY = timedelta(days=1)


def plan(offset_days: int = -1) -> list[Phase]:
    """The five phases a week each, the first starting offset_days from NOW."""
    start = NOW + offset_days * DAY
    return [Phase(kind, start + 7 * i * DAY, start + 7 * (i + 1) * DAY,
                  phases.DEFAULT_MODULES[kind]) for i, kind in enumerate(phases.ORDER)]


def test_the_current_phase_follows_the_dates() -> None:
    schedule = plan()
    assert phases.current(schedule, NOW) == schedule[0]
    assert phases.current(schedule, NOW + 7 * DAY) == schedule[1]
    assert phases.current(schedule, NOW + 100 * DAY) is None
    assert phases.current(schedule, NOW - 2 * DAY) is None


def test_a_module_outside_its_phase_is_refused_with_where_it_opens() -> None:
    schedule = plan()
    phases.require_module(schedule, "survey", NOW)
    with pytest.raises(FailedPrecondition, match="two_column is not open in the appropriation "
                                                  "phase; it opens in deepening"):
        phases.require_module(schedule, "two_column", NOW)
    phases.require_module([], "two_column", NOW)  # unscheduled: everything open
    with pytest.raises(FailedPrecondition, match="no phase is open"):
        phases.require_module(schedule, "survey", NOW + 100 * DAY)


def test_advance_ends_the_current_phase_now_and_keeps_the_next_ones_length() -> None:
    advanced = phases.advance(plan(), NOW)
    assert advanced[0].ends_at == NOW
    assert (advanced[1].starts_at, advanced[1].ends_at) == (NOW, NOW + 7 * DAY)
    assert phases.current(advanced, NOW).kind == "ideation"  # type: ignore[union-attr]
    assert all(a.ends_at <= b.starts_at for a, b in itertools.pairwise(advanced))


def test_advance_past_the_last_phase_is_refused() -> None:
    last = plan(offset_days=-29)  # now inside the deliverable phase
    with pytest.raises(FailedPrecondition, match="last phase"):
        phases.advance(last, NOW)
    with pytest.raises(FailedPrecondition):
        phases.advance([], NOW)


def test_extend_moves_later_phases_by_the_same_amount() -> None:
    extended = phases.extend(plan(), "appropriation", NOW + 10 * DAY, NOW)
    assert extended[0].ends_at == NOW + 10 * DAY
    assert extended[1].starts_at == NOW + 10 * DAY
    assert extended[4].ends_at - extended[4].starts_at == 7 * DAY
    with pytest.raises(InvalidArgument):
        phases.extend(plan(), "appropriation", NOW - DAY, NOW)


def test_reopen_makes_an_earlier_phase_current_and_pushes_the_rest() -> None:
    in_deepening = plan(offset_days=-15)
    reopened = phases.reopen(in_deepening, "ideation", NOW + 3 * DAY, NOW)
    assert phases.current(reopened, NOW).kind == "ideation"  # type: ignore[union-attr]
    deepening = reopened[2]
    assert deepening.starts_at >= NOW + 3 * DAY
    assert reopened[0] == in_deepening[0]  # the past is untouched


@pytest.mark.parametrize("broken", [
    lambda p: [p[1], p[0]],                                  # out of order
    lambda p: [p[0], p[0]],                                  # twice
    lambda p: [Phase("ideation", NOW, NOW, ("threads",))],   # empty interval
    lambda p: [p[0], Phase("ideation", NOW, NOW + DAY, ("threads",))],  # overlap
    lambda p: [Phase("ideation", NOW, NOW + DAY, ("dancing",))],        # unknown module
])
def test_invalid_schedules_are_refused(broken: object) -> None:
    with pytest.raises(InvalidArgument):
        phases.validate(broken(plan()))  # type: ignore[operator]
