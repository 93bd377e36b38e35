"""What a topic is about: key phrases and representative posts.

Key phrases are the terms (words and word pairs) whose mean TF-IDF weight in the topic
most exceeds their mean weight in the other posts — what sets the topic apart, not
what every post says. A phrase whose words all appear in a better-ranked one is
skipped, so "bike lanes" is not followed by "bike" and "lanes". Representative posts
are the topic's posts closest (cosine) to its centroid.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

KEY_PHRASES = 5
CANDIDATE_TERMS = 40


def key_phrases(terms: sparse.csr_matrix, vocabulary: np.ndarray, members: np.ndarray,
                count: int = KEY_PHRASES) -> list[str]:
    """The topic's key phrases; `members` is a boolean mask over the posts."""
    if terms.shape[1] == 0 or not members.any():
        return []
    inside = np.asarray(terms[members].mean(axis=0)).ravel()
    outside = (np.asarray(terms[~members].mean(axis=0)).ravel() if (~members).any()
               else np.zeros_like(inside))
    score = inside - outside
    order = np.argsort(-score)[:CANDIDATE_TERMS]
    chosen: list[str] = []
    covered: set[str] = set()
    for column in order:
        if score[column] <= 0 or len(chosen) == count:
            break
        phrase = str(vocabulary[column])
        words = set(phrase.split())
        if words <= covered:
            continue
        chosen.append(phrase)
        covered |= words
    return chosen


def representatives(dense: np.ndarray, centroid: np.ndarray, members: np.ndarray,
                    count: int) -> list[int]:
    """Row numbers of the `count` members closest to the centroid, closest first."""
    rows = np.flatnonzero(members)
    similarity = dense[rows] @ centroid
    return [int(rows[i]) for i in np.argsort(-similarity)[:count]]
