"""The participant x statement vote matrix (agree +1, disagree -1, pass 0), kept sparse.

A stored entry is a vote, even a pass (an explicit 0 in the CSR structure): Polis
counts passes as votes (for the in-conv rule and the projection's scaling) but not
missing votes. Rows and columns keep the order of first appearance, as Polis's named
matrix does, because k-means is initialised from the first distinct rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

# Polis (conversation.clj, in-conv): a participant is clustered after voting on
# min(7, number of statements) statements; below 15 such participants the most active
# ones are taken anyway.
MIN_VOTES = 7
GREEDY_PARTICIPANTS = 15

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class VoteMatrix:
    participants: tuple[str, ...]
    statements: tuple[str, ...]
    votes: sp.csr_matrix  # (participants x statements), a stored entry is a vote

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.participants), len(self.statements)

    def vote_counts(self) -> Ints:
        counts: Ints = np.diff(self.votes.indptr).astype(np.int64)
        return counts

    def without(self, hidden: Iterable[str]) -> VoteMatrix:
        """The matrix without the hidden statements' columns (they leave the map)."""
        gone = set(hidden)
        keep = [j for j, s in enumerate(self.statements) if s not in gone]
        if len(keep) == len(self.statements):
            return self
        return VoteMatrix(self.participants, tuple(self.statements[j] for j in keep),
                          self.votes[:, keep].tocsr())


def build(votes: Iterable[tuple[str, str, int]]) -> VoteMatrix:
    """The matrix of (participant, statement, vote) triples; a later vote on the same
    statement by the same participant replaces the earlier one."""
    rows: dict[str, int] = {}
    cols: dict[str, int] = {}
    latest: dict[tuple[int, int], int] = {}
    for participant, statement, vote in votes:
        i = rows.setdefault(participant, len(rows))
        j = cols.setdefault(statement, len(cols))
        latest[(i, j)] = max(-1, min(1, int(vote)))
    return from_arrays(tuple(rows), tuple(cols), latest)


def from_arrays(participants: tuple[str, ...], statements: tuple[str, ...],
                latest: dict[tuple[int, int], int]) -> VoteMatrix:
    n = len(latest)
    r = np.fromiter((k[0] for k in latest), dtype=np.int32, count=n)
    c = np.fromiter((k[1] for k in latest), dtype=np.int32, count=n)
    v = np.fromiter(latest.values(), dtype=np.float64, count=n)
    return from_coo(participants, statements, r, c, v)


def from_coo(participants: tuple[str, ...], statements: tuple[str, ...],
             rows: npt.NDArray[np.int32], cols: npt.NDArray[np.int32],
             values: Floats) -> VoteMatrix:
    """A matrix from unique (row, column) pairs; explicit zeros (passes) are kept."""
    m = sp.csr_matrix((values, (rows, cols)), shape=(len(participants), len(statements)))
    m.sort_indices()
    return VoteMatrix(participants, statements, m)


def in_conv(matrix: VoteMatrix, already: Bools | None = None) -> Bools:
    """Polis's in-conv rule: who is clustered. Once in, a participant stays in."""
    counts = matrix.vote_counts()
    n_statements = matrix.shape[1]
    inside = counts >= min(MIN_VOTES, n_statements)
    if already is not None:
        inside[: len(already)] |= already
    missing = GREEDY_PARTICIPANTS - int(inside.sum())
    if missing > 0:
        order = np.argsort(-counts, kind="stable")
        extra = [i for i in order if not inside[i] and counts[i] > 0][:missing]
        inside[extra] = True
    return inside
