"""Phase rules, without servers: current phase from dates, advance, extend, reopen."""

from __future__ import annotations

import itertools
import random
from dataclasses import replace
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


def future_holes(schedule: list[Phase], moment: datetime) -> list[tuple[str, str]]:
    """Pairs of phases, both still to end after moment, with time between them."""
    ahead = sorted((p for p in schedule if p.ends_at > moment), key=lambda p: p.starts_at)
    return [(a.kind, b.kind) for a, b in itertools.pairwise(ahead) if a.ends_at != b.starts_at]


def test_advance_brings_the_rest_of_the_calendar_forward_without_a_hole() -> None:
    """The issue's case: advancing early moved ideation but left deepening where it was."""
    advanced = phases.advance(plan(), NOW)
    assert [(p.starts_at, p.ends_at) for p in advanced[1:]] == [
        (NOW + 7 * i * DAY, NOW + 7 * (i + 1) * DAY) for i in range(4)]
    assert future_holes(advanced, NOW) == []


def test_a_break_the_strategist_planned_between_later_phases_is_kept() -> None:
    schedule = plan()
    schedule[3:] = [replace(p, starts_at=p.starts_at + 3 * DAY, ends_at=p.ends_at + 3 * DAY)
                    for p in schedule[3:]]  # three days off before prioritisation
    advanced = phases.advance(schedule, NOW)
    assert advanced[3].starts_at - advanced[2].ends_at == 3 * DAY
    assert advanced[1].starts_at == NOW
    extended = phases.extend(schedule, "ideation", schedule[1].ends_at + DAY, NOW)
    assert extended[3].starts_at - extended[2].ends_at == 3 * DAY
    assert extended[2].starts_at == extended[1].ends_at


def test_advancing_from_between_phases_starts_the_next_one_now() -> None:
    schedule = plan(offset_days=2)  # the consultation has not started
    advanced = phases.advance(schedule, NOW)
    assert phases.current(advanced, NOW) == replace(schedule[0], starts_at=NOW,
                                                    ends_at=NOW + 7 * DAY)
    assert future_holes(advanced, NOW) == []


def test_shortening_a_phase_brings_the_next_ones_forward() -> None:
    shortened = phases.extend(plan(), "appropriation", NOW + 2 * DAY, NOW)
    assert shortened[1].starts_at == NOW + 2 * DAY
    assert shortened[4].ends_at == plan()[4].ends_at - 4 * DAY
    assert future_holes(shortened, NOW) == []


def test_a_phase_that_has_ended_is_reopened_not_extended() -> None:
    in_deepening = plan(offset_days=-15)
    with pytest.raises(FailedPrecondition, match="ideation has ended; reopen it"):
        phases.extend(in_deepening, "ideation", NOW + DAY, NOW)
    with pytest.raises(FailedPrecondition, match="deliverable has not started yet"):
        phases.reopen(in_deepening, "deliverable", NOW + DAY, NOW)


def test_reopening_keeps_what_follows_contiguous_whichever_phase_runs() -> None:
    # After an earlier reopen, appropriation runs after ideation has run.
    schedule = [Phase("appropriation", NOW - DAY, NOW + 6 * DAY, ("survey",)),
                Phase("ideation", NOW - 10 * DAY, NOW - 3 * DAY, ("threads",)),
                Phase("deepening", NOW + 6 * DAY, NOW + 13 * DAY, ("two_column",))]
    reopened = phases.reopen(schedule, "ideation", NOW + 2 * DAY, NOW)
    assert reopened[0].ends_at == NOW  # an earlier phase of the method ends now
    assert reopened[2].starts_at == NOW + 2 * DAY
    assert future_holes(reopened, NOW) == []
    # Reopening the running phase moves its end, like extend.
    assert phases.reopen(plan(), "appropriation", NOW + DAY, NOW) == phases.extend(
        plan(), "appropriation", NOW + DAY, NOW)


def test_no_sequence_of_changes_makes_a_hole_or_an_overlap() -> None:
    """Random advances, extends and reopens over a contiguous calendar, time passing."""
    chance = random.Random(18)
    for _ in range(200):
        moment, schedule = NOW, plan()
        for _ in range(8):
            moment += timedelta(hours=chance.randint(1, 200))
            change = chance.choice(("advance", "extend", "reopen"))
            kind = chance.choice(phases.ORDER)
            ends_at = moment + timedelta(hours=chance.randint(1, 400))
            try:
                if change == "advance":
                    schedule = phases.advance(schedule, moment)
                elif change == "extend":
                    schedule = phases.extend(schedule, kind, ends_at, moment)
                else:
                    schedule = phases.reopen(schedule, kind, ends_at, moment)
            except (FailedPrecondition, InvalidArgument):
                continue
            assert future_holes(schedule, moment) == [], (change, kind, schedule)
            phases.validate(schedule)  # no overlap


@pytest.mark.parametrize(("kind", "modules", "message"), [
    ("ideation", ("token_vote",), "token_vote: not modules of the ideation phase; ideation "
                                  "offers threads, harvesting, syntheses"),
    ("prioritisation", ("token_vote", "threads"), "threads: not modules of the prioritisation"),
    ("deepening", ("two_column", "two_column"), "modules must not repeat"),
    ("appropriation", (), "needs at least one module"),
])
def test_a_phase_offers_only_the_modules_of_the_method(
    kind: str, modules: tuple[str, ...], message: str,
) -> None:
    with pytest.raises(InvalidArgument, match=message) as raised:
        phases.validate([Phase(kind, NOW, NOW + DAY, modules)])
    assert raised.value.field == "phases.0.modules"
    phases.validate([Phase(kind, NOW, NOW + DAY, phases.DEFAULT_MODULES[kind][:1])])
