"""Tallies from ballots (pure function) against a naive recount."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from services.voting import tallies

PROPOSALS = ["p0", "p1", "p2", "p3"]
CATEGORIES = ["green", "red"]
cells = st.tuples(st.sampled_from(PROPOSALS), st.sampled_from(CATEGORIES), st.integers(0, 5))
ballots = st.lists(st.lists(cells, max_size=8, unique_by=lambda c: (c[0], c[1])), max_size=30)


@settings(max_examples=200, deadline=None)
@given(ballots=ballots)
def test_tallies_equal_a_naive_recount_and_ties_share_a_rank(
    ballots: list[list[tuple[str, str, int]]],
) -> None:
    docs = [[{"proposal_id": p, "category_id": c, "tokens": n} for p, c, n in b] for b in ballots]
    result = tallies.compute(proposal_ids=PROPOSALS, category_ids=CATEGORIES, ballots=docs)
    assert len(result) == len(PROPOSALS) * len(CATEGORIES)
    for t in result:
        amounts = [n for b in ballots for p, c, n in b if (p, c) == (t.proposal_id,
                                                                  t.category_id)]
        assert t.tokens == sum(amounts)
        assert t.voters == sum(1 for n in amounts if n > 0)
    position = {p: i for i, p in enumerate(PROPOSALS)}
    for category in CATEGORIES:
        rows = [t for t in result if t.category_id == category]
        # Competition ranking ("1224"): one more than the proposals with more tokens.
        for t in rows:
            assert t.rank == 1 + sum(1 for other in rows if other.tokens > t.tokens)
        # Listed by rank, ties in the session's (the strategist's) order.
        assert [t.proposal_id for t in rows] == sorted(
            PROPOSALS, key=lambda p: (-next(t.tokens for t in rows if t.proposal_id == p),
                                      position[p]))


def test_ties_share_a_rank_and_keep_the_session_order() -> None:
    result = tallies.compute(proposal_ids=["b", "a"], category_ids=["g"], ballots=[])
    assert [(t.proposal_id, t.rank) for t in result] == [("b", 1), ("a", 1)]
    ballots = [[{"proposal_id": p, "category_id": "g", "tokens": n}]
               for p, n in (("a", 3), ("b", 2), ("c", 2), ("d", 1), ("c", 1), ("b", 1))]
    result = tallies.compute(proposal_ids=["d", "c", "b", "a"], category_ids=["g"],
                             ballots=ballots)
    assert [(t.proposal_id, t.tokens, t.rank) for t in result] == [
        ("c", 3, 1), ("b", 3, 1), ("a", 3, 1), ("d", 1, 4)]
    two = tallies.compute(proposal_ids=["x", "y", "z", "w"], category_ids=["g"], ballots=[
        [{"proposal_id": "x", "category_id": "g", "tokens": 5}],
        [{"proposal_id": "y", "category_id": "g", "tokens": 2}],
        [{"proposal_id": "z", "category_id": "g", "tokens": 2}]])
    assert [t.rank for t in two] == [1, 2, 2, 4]


def test_gauge_rows_count_sum_and_distribution() -> None:
    answers = [[{"proposal_id": "p0", "gauge_id": "g", "value": v}] for v in (1, 1, 4)]
    rows = tallies.gauge_rows(gauges=[("p0", "g"), ("p1", "h")], answers=[*answers, []])
    assert rows == [["p0", "g", 3, 6, [[1, 2], [4, 1]]], ["p1", "h", 0, 0, []]]
