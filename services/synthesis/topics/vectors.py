"""Hashed TF-IDF rows for the similar-text index: no vocabulary to keep, so a post is
vectorised once, when it arrives, and the weights are recomputed from the stored counts.

Words and word pairs (Unicode tokens, as features.py) are hashed into 2^20 columns;
term frequency is sublinear (1 + log tf). The IDF comes from the live rows of the
index at its last rebuild; a query and the rows are weighted by it and L2-normalised,
so a score is the cosine of the two TF-IDF vectors.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer

from services.synthesis.topics.features import TOKEN_PATTERN

COLUMNS = 2**20
_HASHER = HashingVectorizer(n_features=COLUMNS, token_pattern=TOKEN_PATTERN, lowercase=True,
                            ngram_range=(1, 2), alternate_sign=False, norm=None,
                            dtype=np.float32)


def counts(texts: Sequence[str]) -> sparse.csr_matrix:
    """Sublinear term frequencies, one row per text."""
    rows = sparse.csr_matrix(_HASHER.transform(texts))
    rows.data = 1.0 + np.log(rows.data)
    return rows


def idf(document_frequency: np.ndarray, documents: int) -> np.ndarray:
    return (np.log((1.0 + documents) / (1.0 + document_frequency)) + 1.0).astype(np.float32)


def weighted(rows: sparse.csr_matrix, weights: np.ndarray) -> sparse.csr_matrix:
    """Rows times the IDF, L2-normalised (an empty row stays empty)."""
    out = sparse.csr_matrix(rows, copy=True)
    out.data *= weights[out.indices]
    norms = np.sqrt(np.asarray(out.multiply(out).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    out.data /= np.repeat(norms, np.diff(out.indptr)).astype(np.float32)
    return out
