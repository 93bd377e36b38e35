"""Whole-ballot validation (pure): whatever is accepted is within every rule."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agora_kit.errors import InvalidArgument
from services.voting import validation
from services.voting.validation import AllocationInput

SESSION: dict[str, Any] = {
    "proposals": [{"id": f"p{i}"} for i in range(5)],
    "categories": [{"id": "green", "total_number": 6, "max_per_proposal": 3},
                   {"id": "red", "total_number": 4, "max_per_proposal": 0}],
    "exclusive_categories": True,
}
allocations = st.lists(
    st.builds(AllocationInput, st.sampled_from(["p0", "p1", "p2", "p3", "p4", "p9"]),
              st.sampled_from(["green", "red", "blue"]), st.integers(-2, 8)),
    max_size=10,
)


@settings(max_examples=300, deadline=None)
@given(submitted=allocations)
def test_an_accepted_ballot_is_within_budget_caps_and_exclusivity(
    submitted: list[AllocationInput],
) -> None:
    refusal: InvalidArgument | None = None
    try:
        stored = validation.ballot(submitted, SESSION)
    except InvalidArgument as error:
        refusal = error
    if refusal is not None:
        assert refusal.field  # every refusal names what is wrong
        return
    left = validation.remaining(stored, SESSION)
    assert all(n >= 0 for n in left.values())
    assert all(a["tokens"] > 0 for a in stored)
    assert all(a["tokens"] <= 3 for a in stored if a["category_id"] == "green")
    proposals = [a["proposal_id"] for a in stored]
    assert len(proposals) == len(set(proposals))  # exclusive: one category per proposal


def test_an_empty_ballot_is_valid_and_leaves_the_whole_budget() -> None:
    assert validation.ballot([], SESSION) == []
    assert validation.remaining([], SESSION) == {"green": 6, "red": 4}


def test_without_exclusivity_both_categories_may_share_a_proposal() -> None:
    session = {**SESSION, "exclusive_categories": False}
    both = [AllocationInput("p0", "green", 1), AllocationInput("p0", "red", 1)]
    assert len(validation.ballot(both, session)) == 2
    with pytest.raises(InvalidArgument):
        validation.ballot(both, SESSION)
