"""One update of a conversation's opinion map, cold or warm-started from the last one.

Polis's groups depend on the conversation's history, not only on its final votes: each
update starts the PCA from the last components, the base k-means from the last base
clusters (by member), each group k-means from the last one for that k, and the shown
number of groups changes only when a new k has won several updates in a row. The state
carried between updates is `State`, keyed by participant and statement ids so that the
next matrix may order (or extend) them differently.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from services.synthesis.opinions import clustering, matrix, pca, representativeness
from services.synthesis.opinions.clustering import KSmoother
from services.synthesis.opinions.matrix import Bools, Floats, Ints, VoteMatrix
from services.synthesis.opinions.representativeness import Statement

# Cluster on the plain projection (pca-project) rather than the sparsity-aware one
# (kept for the map): chosen on the five shared Pol.is conversations, see
# docs/opinion-map.md.
PLAIN_CLUSTERING = True


@dataclass(frozen=True)
class State:
    statements: tuple[str, ...] = ()
    comps: Floats = field(default_factory=lambda: np.zeros((pca.N_COMPONENTS, 0)))
    in_conv: frozenset[str] = frozenset()
    base_of: dict[str, int] = field(default_factory=dict)  # participant -> base cluster id
    groups_of: dict[int, dict[int, int]] = field(default_factory=dict)  # k -> base -> group
    smoother: KSmoother = field(default_factory=KSmoother)


@dataclass(frozen=True)
class Group:
    id: int
    size: int
    center: tuple[float, float]
    representative: list[Statement]


@dataclass(frozen=True)
class OpinionMap:
    participants: tuple[str, ...]
    positions: Floats  # (participants, 2)
    group_of: Ints  # (participants,) group id, -1 when not clustered
    groups: list[Group]
    consensus: list[Statement]
    divisive: list[Statement]
    state: State


def update(votes: VoteMatrix, previous: State | None = None,
           summarise: bool = True) -> OpinionMap:
    """The next map; without `summarise` only the state and groups (no statements)."""
    prev = previous or State()
    n = votes.shape[0]
    start = _aligned_comps(prev, votes.statements) if prev.statements else None
    fitted = pca.fit(votes, start)
    positions = pca.project(votes, fitted)
    plain = pca.plain_project(votes, fitted) if PLAIN_CLUSTERING else positions
    already = np.array([p in prev.in_conv for p in votes.participants], dtype=np.bool_)
    inside = matrix.in_conv(votes, already)
    idx = np.flatnonzero(inside)
    last_base = np.array([prev.base_of.get(votes.participants[i], -1) for i in idx],
                         dtype=np.int64)
    base = clustering.clusters(plain[idx], clustering.BASE_K, clustering.BASE_ITERATIONS,
                               previous=last_base if prev.base_of else None)
    groups = clustering.group_clusters(base, prev.groups_of, prev.smoother)
    group_of = np.full(n, -1, dtype=np.int64)
    if len(base.ids):
        group_of[idx] = groups.clustering.ids[groups.clustering.labels[base.labels]]
    state = State(
        statements=votes.statements, comps=fitted.comps,
        in_conv=frozenset(votes.participants[i] for i in idx),
        base_of={votes.participants[i]: int(b) for i, b in zip(idx, base.member_ids(),
                                                              strict=True)},
        groups_of={k: {int(b): int(c.ids[lab]) for b, lab in zip(base.ids, c.labels,
                                                                  strict=True)}
                   for k, c in groups.clusterings.items()},
        smoother=groups.smoother)
    return _summarised(votes, positions, group_of, state, summarise)


def _summarised(votes: VoteMatrix, positions: Floats, group_of: Ints,
                state: State, summarise: bool) -> OpinionMap:
    ids = sorted(int(g) for g in np.unique(group_of[group_of >= 0]))
    members: list[Bools] = [group_of == g for g in ids]
    if not summarise:
        return OpinionMap(votes.participants, positions, group_of, [], [], [], state)
    stats = representativeness.group_stats(votes, members)
    reps = representativeness.representative(stats, votes.statements)
    groups = [Group(g, int(m.sum()), (float(positions[m, 0].mean()),
                                      float(positions[m, 1].mean())), rep)
              for g, m, rep in zip(ids, members, reps, strict=True)]
    return OpinionMap(votes.participants, positions, group_of, groups,
                      representativeness.consensus(stats, votes.statements),
                      representativeness.divisive(stats, votes.statements), state)


def _aligned_comps(prev: State, statements: tuple[str, ...]) -> Floats:
    where = {s: j for j, s in enumerate(prev.statements)}
    out = np.zeros((pca.N_COMPONENTS, len(statements)))
    cols = [(j, where[s]) for j, s in enumerate(statements) if s in where]
    if cols:
        new, old = (np.array(c) for c in zip(*cols, strict=True))
        out[:, new] = prev.comps[:, old]
    return out
