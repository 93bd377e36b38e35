"""Grouping posts into topics: k-means on the LSA rows, k chosen by silhouette.

The rule for the number of topics, documented in docs/topics.md: each k of 2, 3, 4, 5,
6, 8, 10, 12, 15 and 20 up to `n // 5` (a topic should have about five posts or more) is
tried with k-means (one start) on a random sample of at most 1,000 posts, and the k with
the highest mean silhouette (cosine geometry: the rows are unit vectors) wins; ties go
to the smaller k. Fewer than 10 posts make one topic. The final clustering runs on
every post: full k-means up to 20,000 posts, mini-batch k-means above, so 100,000 posts
stay within minutes on one core.
"""

from __future__ import annotations

import numpy as np
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.metrics import silhouette_score

MIN_POSTS = 10
MIN_PER_TOPIC = 5
MAX_TOPICS = 20
SAMPLE = 1_000
FULL_KMEANS_UP_TO = 20_000


KS = (2, 3, 4, 5, 6, 8, 10, 12, 15, MAX_TOPICS)


def candidates(n: int) -> list[int]:
    top = max(2, min(MAX_TOPICS, n // MIN_PER_TOPIC))
    return [k for k in KS if k <= top]


def choose_k(dense: np.ndarray, seed: int = 0) -> int:
    """The number of topics by the silhouette rule."""
    n = dense.shape[0]
    if n < MIN_POSTS:
        return 1
    rng = np.random.default_rng(seed)
    sample = dense[rng.choice(n, size=min(n, SAMPLE), replace=False)]
    best_k, best = 1, -1.0
    for k in candidates(len(sample)):
        if k >= len(sample):
            break
        labels = KMeans(n_clusters=k, n_init=1, random_state=seed).fit_predict(sample)
        if len(set(labels.tolist())) < 2:
            continue
        score = float(silhouette_score(sample, labels))
        if score > best + 1e-6:
            best_k, best = k, score
    return best_k


def assign(dense: np.ndarray, k: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(topic of each post, unit centroids)."""
    n = dense.shape[0]
    if k <= 1:
        centre = dense.mean(axis=0, keepdims=True)
        return np.zeros(n, dtype=np.int64), _unit(centre)
    model: KMeans | MiniBatchKMeans
    if n <= FULL_KMEANS_UP_TO:
        model = KMeans(n_clusters=k, n_init=3, random_state=seed)
    else:
        model = MiniBatchKMeans(n_clusters=k, n_init=3, batch_size=4096, random_state=seed)
    labels = np.asarray(model.fit_predict(dense), dtype=np.int64)
    return labels, _unit(np.asarray(model.cluster_centers_))


def _unit(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return rows / np.where(norms == 0, 1.0, norms)
