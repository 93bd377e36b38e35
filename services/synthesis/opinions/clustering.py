"""K-means as Polis runs it (clusters.clj): base clusters over the participants' 2-D
positions, then groups as a weighted k-means over the base clusters' centres, k in
2..max-k chosen by the silhouette of the base clusters, smoothed over updates.

Polis's k-means is deterministic: a cold start takes the first k distinct rows (row
order is order of arrival), empty clusters are dropped rather than reseeded, and it
stops when no centre moves by 0.01 or more. A warm start (clean-start-clusters)
recentres the previous clusters on their members' new positions and tops them up with
the most distant points; cluster ids persist, so groups can follow base clusters.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from services.synthesis.opinions.matrix import Floats, Ints

BASE_K = 100
BASE_ITERATIONS = 100
GROUP_ITERATIONS = 20  # conversation.clj passes :cluster-iters, which kmeans ignores
MAX_K = 5
K_BUFFER = 4  # group-k-buffer: a new best k must win this many updates in a row
MOVE_THRESHOLD = 0.01
FRESH_STARTS = 10
_CHUNK = 65536


@dataclass(frozen=True)
class Clustering:
    ids: Ints  # (k,) stable ids
    centers: Floats  # (k, 2)
    labels: Ints  # (points,) index into ids/centers
    weights: Floats  # (k,) total weight of each cluster's members

    def member_ids(self) -> Ints:
        """Each point's cluster id."""
        out: Ints = self.ids[self.labels]
        return out


def nearest(points: Floats, centers: Floats) -> tuple[Ints, Floats]:
    labels = np.empty(len(points), dtype=np.int64)
    dists = np.empty(len(points))
    for lo in range(0, len(points), _CHUNK):
        chunk = points[lo:lo + _CHUNK]
        d2 = ((chunk[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2)
        best = np.argmin(d2, axis=1)
        labels[lo:lo + _CHUNK] = best
        dists[lo:lo + _CHUNK] = np.sqrt(d2[np.arange(len(chunk)), best])
    return labels, dists


def _means(points: Floats, labels: Ints, weights: Floats, k: int) -> tuple[Floats, Floats]:
    mass = np.bincount(labels, weights=weights, minlength=k)
    sums = np.stack([np.bincount(labels, weights=weights * points[:, c], minlength=k)
                     for c in range(points.shape[1])], axis=1)
    centers: Floats = np.divide(sums, mass[:, None], out=np.zeros(sums.shape),
                                where=mass[:, None] > 0)
    return centers, mass.astype(np.float64)


def kmeans(points: Floats, ids: Ints, init: Floats, max_iterations: int,
           weights: Floats) -> Clustering:
    centers = init
    for _ in range(max_iterations + 1):
        labels, _ = nearest(points, centers)
        new, mass = _means(points, labels, weights, len(centers))
        keep = mass > 0
        stable = not np.any(np.linalg.norm(new[keep] - centers[keep], axis=1)
                            >= MOVE_THRESHOLD)
        ids, centers = ids[keep], new[keep]
        if stable:
            break
    labels, _ = nearest(points, centers)
    _, mass = _means(points, labels, weights, len(centers))
    return Clustering(ids, centers, labels, mass)


def cold_start(points: Floats, k: int) -> tuple[Ints, Floats]:
    """The first k distinct rows, in order (Polis's init-clusters)."""
    _, first = np.unique(points, axis=0, return_index=True)
    chosen: Floats = points[np.sort(first)[:k]]
    return np.arange(len(chosen), dtype=np.int64), chosen


def warm_start(points: Floats, weights: Floats, previous: Ints, k: int) -> tuple[Ints, Floats]:
    """Previous clusters (each point's previous cluster id, -1 for none) recentred on
    their members' current positions, topped up with the most distant points until k or
    the number of distinct points (Polis's clean-start-clusters)."""
    known = previous >= 0
    ids, inverse = np.unique(previous[known], return_inverse=True)
    centers, _ = _means(points[known], inverse, weights[known], len(ids))
    ids = ids.astype(np.int64)
    if len(ids) == 0:
        return cold_start(points, k)
    centers, first = np.unique(centers, axis=0, return_index=True)
    ids = ids[first]
    possible = min(k, len(np.unique(points, axis=0)))
    while len(ids) < possible:
        _, dists = nearest(points, centers)
        far = int(np.argmax(dists))
        if dists[far] <= 0:
            break
        ids = np.append(ids, ids.max() + 1)
        centers = np.vstack([centers, points[far]])
    return ids, centers


def clusters(points: Floats, k: int, iterations: int, weights: Floats | None = None,
             previous: Ints | None = None) -> Clustering:
    w = np.ones(len(points)) if weights is None else weights
    if len(points) == 0:
        return Clustering(np.zeros(0, np.int64), np.zeros((0, 2)), np.zeros(0, np.int64),
                          np.zeros(0))
    ids, init = cold_start(points, k) if previous is None or not np.any(previous >= 0) \
        else warm_start(points, w, previous, k)
    return kmeans(points, ids, init, iterations, w)


def max_k(n_base: int) -> int:
    """Polis's max-k-fn: no more groups than the base clusters can support."""
    return min(MAX_K, 2 + n_base // 12)


def silhouette(centers: Floats, labels: Ints) -> float:
    """Mean silhouette over the base clusters (unweighted, as Polis computes it); a base
    cluster alone in its group scores 0."""
    n = len(centers)
    groups = np.unique(labels)
    if n < 2 or len(groups) < 2:
        return -1.0
    dist = np.linalg.norm(centers[:, None, :] - centers[None, :, :], axis=2)
    onehot = (labels[:, None] == groups[None, :]).astype(np.float64)
    sizes = onehot.sum(axis=0)
    sums = dist @ onehot  # (n, groups) total distance to each group
    own = np.searchsorted(groups, labels)
    own_size = sizes[own]
    a = np.divide(sums[np.arange(n), own], own_size - 1, out=np.zeros(n), where=own_size > 1)
    other = sums / sizes[None, :]
    other[np.arange(n), own] = np.inf
    b = other.min(axis=1)
    top = np.maximum(a, b)
    s = np.divide(b - a, top, out=np.zeros(n), where=top > 0)
    s[own_size <= 1] = 0.0
    return float(s.mean())


@dataclass(frozen=True)
class KSmoother:
    """Polis's group-k-smoother: the shown k changes only after the new best k has won
    K_BUFFER updates in a row."""
    last_k: int = 0
    last_k_count: int = 0
    smoothed_k: int = 0

    def update(self, this_k: int) -> KSmoother:
        count = self.last_k_count + 1 if this_k == self.last_k else 1
        smoothed = this_k if count >= K_BUFFER or not self.smoothed_k else self.smoothed_k
        return KSmoother(this_k, count, smoothed)


@dataclass(frozen=True)
class Groups:
    k: int
    clustering: Clustering  # over the base clusters
    silhouettes: dict[int, float]
    clusterings: dict[int, Clustering]
    smoother: KSmoother = field(default_factory=KSmoother)


def group_clusters(base: Clustering, previous: dict[int, dict[int, int]] | None = None,
                   smoother: KSmoother | None = None, optimise: bool = True) -> Groups:
    """Group clusterings for k = 2..max-k over the base centres (weighted by size), each
    warm-started from the previous one for that k (base id -> group id), and the k
    chosen by silhouette through the smoother."""
    n = len(base.centers)
    if n < 2:
        one = Clustering(np.zeros(min(n, 1), np.int64), base.centers[:1],
                         np.zeros(n, dtype=np.int64), base.weights[:1])
        return Groups(min(n, 1), one, {}, {}, smoother or KSmoother())
    clusterings: dict[int, Clustering] = {}
    silhouettes: dict[int, float] = {}
    for k in range(2, max_k(n) + 1):
        last = (previous or {}).get(k)
        prior = None if last is None else np.array([last.get(int(b), -1) for b in base.ids])
        c = clusters(base.centers, k, GROUP_ITERATIONS, base.weights, prior)
        if optimise:
            c = _better(base, c, k)
        clusterings[k] = c
        silhouettes[k] = silhouette(base.centers, c.labels)
    # Polis's (apply max-key ...) keeps the last of equal scores.
    this_k = max(sorted(silhouettes, reverse=True), key=lambda k: silhouettes[k])
    smoothed = (smoother or KSmoother()).update(this_k)
    k = smoothed.smoothed_k if smoothed.smoothed_k in clusterings else this_k
    return Groups(k, clusterings[k], silhouettes, clusterings, smoothed)


def inertia(points: Floats, weights: Floats, c: Clustering) -> float:
    return float((weights * ((points - c.centers[c.labels]) ** 2).sum(axis=1)).sum())


def _better(base: Clustering, warm: Clustering, k: int) -> Clustering:
    """The warm-started partition, or a fresh k-means++ one (several seeded starts, run
    together) when that fits the base clusters better: warm starts keep groups stable
    between updates but can stay in a poor local optimum."""
    points, w = base.centers, base.weights
    rng = np.random.default_rng(0)
    centers = _plus_plus(points, w, k, FRESH_STARTS, rng)  # (starts, k, 2)
    for _ in range(GROUP_ITERATIONS):
        d2 = ((points[None, :, None, :] - centers[:, None, :, :]) ** 2).sum(axis=3)
        onehot = (d2.argmin(axis=2)[:, :, None] == np.arange(k)[None, None, :]) * w[None, :, None]
        mass = onehot.sum(axis=1)  # (starts, k)
        sums = np.einsum("snk,nc->skc", onehot, points)
        new = np.where(mass[:, :, None] > 0, sums / np.maximum(mass, 1e-300)[:, :, None],
                       centers)
        if np.all(np.linalg.norm(new - centers, axis=2) < MOVE_THRESHOLD):
            centers = new
            break
        centers = new
    d2 = ((points[None, :, None, :] - centers[:, None, :, :]) ** 2).sum(axis=3)
    scores = (d2.min(axis=2) * w[None, :]).sum(axis=1)
    s = int(np.argmin(scores))
    if scores[s] >= inertia(points, w, warm) - 1e-9:
        return warm
    labels = d2[s].argmin(axis=1)
    cs, mass = _means(points, labels, w, k)
    keep = mass > 0
    remap = np.cumsum(keep) - 1
    return Clustering(np.arange(int(keep.sum()), dtype=np.int64), cs[keep], remap[labels],
                      mass[keep])


def _plus_plus(points: Floats, weights: Floats, k: int, starts: int,
               rng: np.random.Generator) -> Floats:
    """k-means++ seeding (weighted by base-cluster size), for several starts at once."""
    n = len(points)

    def draw(p: Floats) -> Ints:
        total = p.sum(axis=1, keepdims=True)
        cdf = np.cumsum(np.where(total > 0, p / np.maximum(total, 1e-300), 1 / n), axis=1)
        u = rng.random((starts, 1))
        out: Ints = np.minimum((cdf < u).sum(axis=1), n - 1)
        return out

    first = draw(np.broadcast_to(weights, (starts, n)))
    centers = np.empty((starts, k, 2))
    centers[:, 0] = points[first]
    d2 = ((points[None, :, :] - centers[:, None, 0]) ** 2).sum(axis=2)
    for j in range(1, k):
        nxt = draw(weights[None, :] * d2)
        centers[:, j] = points[nxt]
        d2 = np.minimum(d2, ((points[None, :, :] - centers[:, None, j]) ** 2).sum(axis=2))
    return centers
