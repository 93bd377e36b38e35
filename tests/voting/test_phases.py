"""The phase rule of services/voting/phases.py (pure functions over dated phases)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from agora_kit.errors import FailedPrecondition
from services.voting.phases import PRIORITISATION, Span, current, require_prioritisation

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)
DAY = timedelta(days=1)
SPANS = [Span("deepening", NOW - 3 * DAY, NOW - DAY),
         Span(PRIORITISATION, NOW - DAY, NOW + DAY),
         Span("deliverable", NOW + 2 * DAY, NOW + 9 * DAY)]


def test_ballots_are_allowed_in_the_prioritisation_phase_and_when_unscheduled() -> None:
    require_prioritisation(SPANS, NOW)
    require_prioritisation(SPANS, NOW + DAY - timedelta(microseconds=1))
    require_prioritisation([], NOW)


@pytest.mark.parametrize(("moment", "where"), [
    (NOW - 2 * DAY, "in its deepening phase"),
    (NOW + DAY, "between phases"),  # the phase's end is exclusive: the calendar closes it
    (NOW + 3 * DAY, "in its deliverable phase"),
])
def test_any_other_moment_is_the_wrong_phase(moment: datetime, where: str) -> None:
    with pytest.raises(FailedPrecondition) as refused:
        require_prioritisation(SPANS, moment)
    assert refused.value.message.startswith(f"wrong phase: the consultation is {where}")
    assert current(SPANS, moment) != PRIORITISATION
