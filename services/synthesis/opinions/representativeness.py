"""What each group stands for, and what unites or divides the groups (repness.clj).

Per group and statement Polis counts agrees, disagrees and votes, smooths the
proportions with a +1/+2 pseudo-count, and compares the group with everyone else by a
two-proportion z-test; a statement is representative of a group when both its
proportion test and its comparison are significant at 90 % (z > 1.2816), sorted by
ra * rat * pa * pat, at most five, the best agreed one first (select-rep-comments).
Consensus is Polis's group-aware consensus (the product over groups of the smoothed
agree probability), kept where a majority of every group agrees. Divisive statements
are ours: the largest gap in smoothed agreement between two groups, kept where that gap
is significant by the same z-test.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from services.synthesis.opinions.matrix import Bools, Floats, VoteMatrix

Z_90 = 1.2816
TOP = 5


@dataclass(frozen=True)
class GroupStats:
    na: Floats  # (groups, statements) agrees
    nd: Floats  # disagrees
    ns: Floats  # votes cast (passes included)


@dataclass(frozen=True)
class Statement:
    id: str
    repful_for: str  # "agree" or "disagree" (for consensus: "agree")
    score: float  # the metric the statement was ranked by
    agree_in: int
    disagree_in: int
    seen_in: int
    agree_out: int
    disagree_out: int
    seen_out: int


def group_stats(votes: VoteMatrix, members: list[Bools]) -> GroupStats:
    n_cols = votes.shape[1]
    if not members:
        z = np.zeros((0, n_cols))
        return GroupStats(z, z, z)
    g = sp.csr_matrix(np.vstack(members).astype(np.float64))
    m = votes.votes
    agree = sp.csr_matrix(((m.data > 0).astype(np.float64), m.indices, m.indptr), m.shape)
    disagree = sp.csr_matrix(((m.data < 0).astype(np.float64), m.indices, m.indptr), m.shape)
    seen = sp.csr_matrix((np.ones_like(m.data), m.indices, m.indptr), m.shape)
    return GroupStats(*(np.asarray((g @ x).todense()) for x in (agree, disagree, seen)))


def prop_test(succ: Floats, n: Floats) -> Floats:
    out: Floats = 2 * np.sqrt(n + 1) * ((succ + 1) / (n + 1) - 0.5)
    return out


def two_prop_test(succ_in: Floats, succ_out: Floats, pop_in: Floats,
                  pop_out: Floats) -> Floats:
    s1, s2, n1, n2 = succ_in + 1, succ_out + 1, pop_in + 1, pop_out + 1
    pi_hat = (s1 + s2) / (n1 + n2)
    var = pi_hat * (1 - pi_hat) * (1 / n1 + 1 / n2)
    out: Floats = np.divide(s1 / n1 - s2 / n2, np.sqrt(np.maximum(var, 0)),
                            out=np.zeros_like(pi_hat), where=var > 0)
    return out


def _entry(s: GroupStats, g: int, j: int, sid: str, repful: str, score: float) -> Statement:
    na_out = s.na[:, j].sum() - s.na[g, j]
    nd_out = s.nd[:, j].sum() - s.nd[g, j]
    ns_out = s.ns[:, j].sum() - s.ns[g, j]
    return Statement(sid, repful, float(score), int(s.na[g, j]), int(s.nd[g, j]),
                     int(s.ns[g, j]), int(na_out), int(nd_out), int(ns_out))


def representative(s: GroupStats, statements: tuple[str, ...]) -> list[list[Statement]]:
    """Polis's select-rep-comments, per group."""
    out: list[list[Statement]] = []
    for g in range(len(s.na)):
        na, nd, ns = s.na[g], s.nd[g], s.ns[g]
        na_r, nd_r, ns_r = (x.sum(axis=0) - x[g] for x in (s.na, s.nd, s.ns))
        pa, pd = (1 + na) / (2 + ns), (1 + nd) / (2 + ns)
        pat, pdt = prop_test(na, ns), prop_test(nd, ns)
        ra, rd = pa / ((1 + na_r) / (2 + ns_r)), pd / ((1 + nd_r) / (2 + ns_r))
        rat, rdt = two_prop_test(na, na_r, ns, ns_r), two_prop_test(nd, nd_r, ns, ns_r)
        agree_side = rat > rdt
        metric = np.where(agree_side, ra * rat * pa * pat, rd * rdt * pd * pdt)
        passes = ((rat > Z_90) & (pat > Z_90)) | ((rdt > Z_90) & (pdt > Z_90))
        best: int | None = None
        best_agree: int | None = None
        sufficient: list[int] = []
        for j in range(len(statements)):
            if passes[j]:
                sufficient.append(j)
            if not sufficient and (best is None or max(rat[j], rdt[j])
                                   > max(rat[best], rdt[best])):
                best = j
            if _beats_best_agree(j, best_agree, na, nd, ra, rat, pa, pat):
                best_agree = j
        if not sufficient:
            chosen = [best_agree] if best_agree is not None else [best] if best is not None \
                else []
            sides = {j: "agree" if j == best_agree else
                     ("agree" if agree_side[j] else "disagree") for j in chosen}
        else:
            ranked = sorted((j for j in sufficient if j != best_agree),
                            key=lambda j: -metric[j])
            chosen = ([best_agree] if best_agree is not None else []) + ranked
            chosen = chosen[:TOP]
            sides = {j: "agree" if j == best_agree or agree_side[j] else "disagree"
                     for j in chosen}
            chosen = [j for j in chosen if sides[j] == "agree"] + \
                     [j for j in chosen if sides[j] == "disagree"]
        out.append([_entry(s, g, j, statements[j], sides[j], metric[j]) for j in chosen])
    return out


def _beats_best_agree(j: int, best: int | None, na: Floats, nd: Floats, ra: Floats,
                      rat: Floats, pa: Floats, pat: Floats) -> bool:
    if na[j] == 0 and nd[j] == 0:
        return False
    if best is not None and ra[best] > 1.0:
        return bool(ra[j] * rat[j] * pa[j] * pat[j] > ra[best] * rat[best] * pa[best] * pat[best])
    if best is not None:
        return bool(pa[j] * pat[j] > pa[best] * pat[best])
    return bool(pat[j] > Z_90 or (ra[j] > 1.0 and pa[j] > 0.5))


def consensus(s: GroupStats, statements: tuple[str, ...]) -> list[Statement]:
    """Group-aware consensus, where a majority of every group agrees."""
    if len(s.na) == 0:
        return []
    p = (s.na + 1) / (s.ns + 2)
    gac = p.prod(axis=0)
    keep = np.flatnonzero((p > 0.5).all(axis=0))
    ranked = keep[np.argsort(-gac[keep], kind="stable")][:TOP]
    return [_overall(s, int(j), statements[int(j)], "agree", gac[j]) for j in ranked]


def divisive(s: GroupStats, statements: tuple[str, ...]) -> list[Statement]:
    """The statements whose smoothed agreement differs most between two groups."""
    if len(s.na) < 2:
        return []
    p = (s.na + 1) / (s.ns + 2)
    hi, lo = p.argmax(axis=0), p.argmin(axis=0)
    cols = np.arange(p.shape[1])
    gap = p[hi, cols] - p[lo, cols]
    z = two_prop_test(s.na[hi, cols], s.na[lo, cols], s.ns[hi, cols], s.ns[lo, cols])
    keep = np.flatnonzero(z > Z_90)
    ranked = keep[np.argsort(-gap[keep], kind="stable")][:TOP]
    return [_overall(s, int(j), statements[int(j)], "divisive", gap[j]) for j in ranked]


def _overall(s: GroupStats, j: int, sid: str, kind: str, score: float) -> Statement:
    na, nd, ns = int(s.na[:, j].sum()), int(s.nd[:, j].sum()), int(s.ns[:, j].sum())
    return Statement(sid, kind, float(score), na, nd, ns, 0, 0, 0)
