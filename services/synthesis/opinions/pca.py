"""Two principal components of the column-mean imputed vote matrix, and Polis's
sparsity-aware projection of participants onto them (pca.clj).

Imputing a missing vote with its column's mean and then centring leaves exactly the
sparse matrix D of (vote - column mean) on the votes cast and zero elsewhere, so the
PCA is the truncated SVD of D and never needs the dense matrix. A warm start runs a
few subspace iterations from the previous components (Polis also restarts its power
iteration from the last components).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import svds

from services.synthesis.opinions.matrix import Floats, VoteMatrix

N_COMPONENTS = 2
WARM_ITERATIONS = 12
WARM_TOLERANCE = 1e-6
# Below this many votes an exact solve costs milliseconds: warm iteration only pays above.
WARM_MIN_VOTES = 1_000_000
# Up to this many statements the exact eigendecomposition of D'D is the cheapest solve.
DENSE_MAX_STATEMENTS = 1_000


@dataclass(frozen=True)
class Pca:
    center: Floats  # (statements,) column means of the votes cast
    comps: Floats  # (2, statements), orthonormal rows


def column_means(matrix: VoteMatrix) -> Floats:
    votes = matrix.votes
    counts = np.bincount(votes.indices, minlength=matrix.shape[1]).astype(np.float64)
    # float64 even for a matrix without votes, where bincount's weighted sum comes back int.
    sums = np.bincount(votes.indices, weights=votes.data,
                       minlength=matrix.shape[1]).astype(np.float64)
    return np.divide(sums, counts, out=np.zeros_like(sums), where=counts > 0)


def centred(matrix: VoteMatrix, center: Floats) -> sp.csr_matrix:
    votes = matrix.votes
    return sp.csr_matrix((votes.data - center[votes.indices], votes.indices, votes.indptr),
                         shape=votes.shape)


def fit(matrix: VoteMatrix, start: Floats | None = None) -> Pca:
    """The PCA; `start` (2 x statements, previous components) makes it a warm start."""
    center = column_means(matrix)
    d = centred(matrix, center)
    n_rows, n_cols = d.shape
    k = min(N_COMPONENTS, n_rows, n_cols)
    if k == 0:
        return Pca(center, np.zeros((N_COMPONENTS, n_cols)))
    if start is not None:
        start = _padded(start, n_cols)
    if start is not None and d.nnz >= WARM_MIN_VOTES and np.any(start):
        comps = _subspace_iteration(d, start)
    elif n_cols <= DENSE_MAX_STATEMENTS:
        gram = (d.T @ d).toarray()
        vals, vecs = np.linalg.eigh(gram)
        comps = vecs[:, np.argsort(-vals)[:k]].T
    else:
        _, s, vt = svds(d, k=k, solver="arpack", rng=np.random.default_rng(0))
        comps = vt[np.argsort(-s)]
    comps = np.vstack([comps, np.zeros((N_COMPONENTS - len(comps), n_cols))])
    return Pca(center, _aligned(comps, start) if start is not None else _oriented(comps))


def _padded(start: Floats, n_cols: int) -> Floats:
    """Previous components over the statements known then; new statements start at 0."""
    out = np.zeros((N_COMPONENTS, n_cols))
    width = min(n_cols, start.shape[1]) if start.ndim == 2 else 0
    out[: min(N_COMPONENTS, len(start)), :width] = start[:N_COMPONENTS, :width]
    return out


def _subspace_iteration(d: sp.csr_matrix, start: Floats) -> Floats:
    q, _ = np.linalg.qr(start.T)
    for _ in range(WARM_ITERATIONS):
        z, _ = np.linalg.qr(d.T @ (d @ q))
        done = np.linalg.norm(z @ (z.T @ q) - q) < WARM_TOLERANCE
        q = z
        if done:
            break
    # Rayleigh-Ritz: the components inside the converged plane, by variance.
    small = (d @ q).T @ (d @ q)
    vals, vecs = np.linalg.eigh(small)
    comps: Floats = (q @ vecs[:, np.argsort(-vals)]).T
    return comps


def _aligned(comps: Floats, previous: Floats) -> Floats:
    """Keep each component's sign as it was, so positions (and the clusters warm-started
    from them) do not jump to the mirror image between two updates."""
    out = comps.copy()
    for row, before in zip(out, previous, strict=True):
        if row @ before < 0:
            row *= -1
    return out


def _oriented(comps: Floats) -> Floats:
    """Fix each component's sign (largest entry positive) so maps do not flip."""
    out = comps.copy()
    for row in out:
        if row.size and row[np.argmax(np.abs(row))] < 0:
            row *= -1
    return out


def project(matrix: VoteMatrix, pca: Pca) -> Floats:
    """Polis's sparsity-aware projection: only the votes cast count, and the result is
    scaled by sqrt(statements / votes cast) so that a participant with few votes is not
    pulled to the centre."""
    d = centred(matrix, pca.center)
    raw: Floats = np.asarray(d @ pca.comps.T)
    counts = np.maximum(matrix.vote_counts(), 1)
    scale = np.sqrt(matrix.shape[1] / counts)
    out: Floats = raw * scale[:, None]
    return out


def plain_project(matrix: VoteMatrix, pca: Pca) -> Floats:
    """Polis's pca-project of the imputed matrix: (votes - means) . comps, unscaled."""
    out: Floats = np.asarray(centred(matrix, pca.center) @ pca.comps.T)
    return out
