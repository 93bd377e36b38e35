"""The opinion map's math on small matrices whose answer is known."""

from __future__ import annotations

import numpy as np

from services.synthesis.opinions import clustering, matrix, pca
from services.synthesis.opinions.opinion_map import update


def camps(n: int = 60, statements: int = 12, seed: int = 3) -> matrix.VoteMatrix:
    """Two camps voting opposite ways on every statement, each participant skipping some."""
    rng = np.random.default_rng(seed)
    triples = []
    for p in range(n):
        side = 1 if p % 2 else -1
        for s in range(statements):
            if rng.random() < 0.8:
                vote = side if rng.random() < 0.9 else -side
                triples.append((f"p{p}", f"s{s}", vote))
    return matrix.build(triples)


def test_pca_is_the_pca_of_the_column_mean_imputed_matrix() -> None:
    m = camps()
    dense = m.votes.toarray()
    voted = np.zeros(dense.shape, dtype=bool)
    coo = m.votes.tocoo()
    voted[coo.row, coo.col] = True
    means = np.array([dense[voted[:, j], j].mean() for j in range(dense.shape[1])])
    imputed = np.where(voted, dense, means)
    centred = imputed - imputed.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    fitted = pca.fit(m)
    assert np.allclose(fitted.center, imputed.mean(axis=0))
    for ours, exact in zip(fitted.comps, vt[:2], strict=True):
        assert abs(abs(ours @ exact) - 1) < 1e-8


def test_a_warm_start_finds_the_same_plane() -> None:
    """A few subspace iterations from nudged components: the first component exactly,
    and a plane holding (almost) all the variance the exact plane holds."""
    m = camps(n=200, statements=30)
    cold = pca.fit(m)
    rng = np.random.default_rng(0)
    nudged = cold.comps + rng.normal(0, 0.05, cold.comps.shape)
    d = pca.centred(m, cold.center)
    warm = pca._subspace_iteration(d, nudged)
    assert abs(abs(cold.comps[0] @ warm[0]) - 1) < 1e-6
    variance = [float(np.linalg.norm(d @ c.T) ** 2) for c in (cold.comps, warm)]
    assert variance[1] >= 0.999 * variance[0]


def test_the_projection_scales_up_sparse_voters() -> None:
    m = matrix.build([("a", "s1", 1), ("a", "s2", 1), ("b", "s1", -1), ("b", "s2", -1),
                      ("c", "s1", 1)])
    fitted = pca.fit(m)
    raw = pca.plain_project(m, fitted)
    scaled = pca.project(m, fitted)
    assert np.allclose(scaled[0], raw[0])
    assert np.allclose(scaled[1], raw[1])
    assert np.allclose(scaled[2], raw[2] * np.sqrt(2))


def test_in_conv_needs_seven_votes_unless_fewer_than_fifteen_qualify() -> None:
    triples = [(f"p{p}", f"s{s}", 1) for p in range(20) for s in range(7 if p < 16 else 3)]
    inside = matrix.in_conv(matrix.build(triples))
    assert inside.tolist() == [True] * 16 + [False] * 4
    few = [(f"p{p}", f"s{s}", 1) for p in range(20) for s in range(7 if p < 5 else p % 4 + 1)]
    assert int(matrix.in_conv(matrix.build(few)).sum()) == 15


def test_two_camps_make_two_groups_with_their_own_statements() -> None:
    result = update(camps())
    assert len(result.groups) == 2
    odd = {f"p{p}" for p in range(60) if p % 2}
    by_group: dict[int, set[str]] = {}
    for p, g in zip(result.participants, result.group_of, strict=True):
        by_group.setdefault(int(g), set()).add(p)
    assert odd in by_group.values()
    for group in result.groups:
        assert group.representative
        top = group.representative[0]
        assert top.agree_in + top.disagree_in > 0
    assert result.divisive, "every statement splits the camps"
    assert not result.consensus


def test_the_k_smoother_waits_for_four_wins_in_a_row() -> None:
    s = clustering.KSmoother().update(2)
    assert s.smoothed_k == 2
    for _ in range(3):
        s = s.update(3)
        assert s.smoothed_k == 2
    assert s.update(3).smoothed_k == 3


def test_hidden_statements_leave_the_map() -> None:
    m = camps()
    result = update(m.without({"s0", "s1"}))
    shown = {s.id for g in result.groups for s in g.representative}
    shown |= {s.id for s in result.divisive + result.consensus}
    assert not shown & {"s0", "s1"}
    assert "s0" not in result.state.statements


def test_a_warm_update_keeps_the_groups() -> None:
    m = camps(n=120)
    first = update(m)
    second = update(m, first.state)
    assert [g.size for g in second.groups] == [g.size for g in first.groups]
    assert (second.group_of == first.group_of).all()


def test_no_votes_make_an_empty_map() -> None:
    """Only "more info" reactions, or none: no group, no participant — not an error (the
    column means of an empty matrix once came back as integers and failed to divide)."""
    result = update(matrix.build([]))
    assert result.groups == []
    assert result.participants == ()
    assert result.consensus == []
    assert result.divisive == []
