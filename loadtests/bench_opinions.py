"""Opinion map at the Pol.is engine's cap: 100,000 participants x 10,000 statements.

Synthetic votes with a realistic shape: votes per participant heavy-tailed (a Pareto
tail, most participants vote a little, a few vote on thousands), statements drawn with
a popularity skew, two latent opinion camps deciding agree/disagree (plus passes), at
most `--density` of the matrix. Measures, in this process: the cold map (PCA, base and
group clusters, repness, consensus, divisive) and its peak memory; then 1,000 new
reactions and the warm update from the previous state. Prints one JSON line.

    .venv/bin/python -m loadtests.bench_opinions --participants 100000 --statements 10000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time

import numpy as np

from services.synthesis.opinions import matrix
from services.synthesis.opinions.matrix import VoteMatrix
from services.synthesis.opinions.opinion_map import update


def synthetic(participants: int, statements: int, density: float,
              rng: np.random.Generator) -> tuple[VoteMatrix, np.ndarray]:
    target = density * participants * statements
    raw = rng.pareto(1.5, participants) + 1
    scale = target / raw.sum()
    for _ in range(20):  # rescale until the capped counts add up to the target
        per = np.minimum(np.maximum(raw * scale, 7 * (raw > 2)), 0.9 * statements)
        scale *= target / max(per.sum(), 1)
    per = np.maximum(per.astype(np.int64), 1)
    popularity = rng.lognormal(0, 1, statements)
    popularity /= popularity.sum()
    rows = np.repeat(np.arange(participants, dtype=np.int32), per)
    cols = rng.choice(statements, size=len(rows), p=popularity).astype(np.int32)
    key = np.unique(rows.astype(np.int64) * statements + cols)  # one vote per pair
    del rows, cols
    rows, cols = (key // statements).astype(np.int32), (key % statements).astype(np.int32)
    camp = rng.integers(0, 2, participants)
    lean = rng.normal(0, 1, (2, statements))
    p_agree = 1 / (1 + np.exp(-2 * lean[camp[rows], cols]))
    u = rng.random(len(rows))
    values = np.where(u < 0.1, 0.0, np.where(rng.random(len(rows)) < p_agree, 1.0, -1.0))
    m = matrix.from_coo(tuple(f"p{i}" for i in range(participants)),
                        tuple(f"s{j}" for j in range(statements)), rows, cols, values)
    return m, camp


def with_new_votes(m: VoteMatrix, n: int, rng: np.random.Generator) -> VoteMatrix:
    """`n` new reactions (on pairs not voted yet) added to the matrix."""
    rows = rng.integers(0, m.shape[0], n * 2).astype(np.int32)
    cols = rng.integers(0, m.shape[1], n * 2).astype(np.int32)
    fresh = np.asarray(m.votes[rows, cols]).ravel() == 0  # approximate: unvoted or pass
    rows, cols = rows[fresh][:n], cols[fresh][:n]
    delta = matrix.from_coo(m.participants, m.statements, rows, cols,
                            rng.choice([-1.0, 1.0], len(rows)))
    merged = (m.votes + delta.votes).tocsr()
    merged.sort_indices()
    return VoteMatrix(m.participants, m.statements, merged)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--participants", type=int, default=100_000)
    parser.add_argument("--statements", type=int, default=10_000)
    parser.add_argument("--density", type=float, default=0.05)
    parser.add_argument("--new-reactions", type=int, default=1_000)
    args = parser.parse_args()
    rng = np.random.default_rng(12)
    t = time.perf_counter()
    m, _ = synthetic(args.participants, args.statements, args.density, rng)
    built = time.perf_counter() - t
    t, c = time.perf_counter(), time.process_time()
    cold = update(m)
    cold_s, cold_cpu = time.perf_counter() - t, time.process_time() - c
    peak_cold = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    m2 = with_new_votes(m, args.new_reactions, rng)
    t, c = time.perf_counter(), time.process_time()
    warm = update(m2, cold.state)
    warm_s, warm_cpu = time.perf_counter() - t, time.process_time() - c
    print(json.dumps({
        "participants": args.participants, "statements": args.statements,
        "votes": int(m.votes.nnz), "density": round(m.votes.nnz / (m.shape[0] * m.shape[1]), 4),
        "build_s": round(built, 1), "cold_s": round(cold_s, 1), "cold_cpu_s": round(cold_cpu, 1),
        "warm_after_new_reactions_s": round(warm_s, 2), "warm_cpu_s": round(warm_cpu, 2),
        "new_reactions": args.new_reactions,
        "peak_rss_gib": round(peak_cold, 2),
        "peak_rss_after_warm_gib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                                         / 2**20, 2),
        "groups_cold": len(cold.groups), "groups_warm": len(warm.groups),
        "clustered": int((cold.group_of >= 0).sum()),
        "loadavg": [round(x, 2) for x in os.getloadavg()], "cores": os.cpu_count(),
    }))


if __name__ == "__main__":
    main()
