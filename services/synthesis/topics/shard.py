"""One consultation's similar-text index, in memory: posts and ideas as TF-IDF rows.

Rows are only appended; a post that is edited gets a new row and its old one dies, a
hidden post's row dies, a restored one lives again. Appended rows wait in `pending`
(scored by brute force) until a rebuild stacks them under the base matrix, recomputes
the IDF over the live rows and stores the weighted matrix by column (CSC): a query
then touches only the columns of its own terms, so 100,000 posts answer in a few
milliseconds. Ideas are few and replaced whole (`set_ideas`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from services.synthesis.topics import vectors

REBUILD_AT = 2_000  # pending rows that trigger a rebuild
EXCERPT = 300


@dataclass(frozen=True)
class Item:
    kind: str  # "post" or "idea"
    id: str
    theme_id: str
    thread_id: str
    text: str
    language: str


@dataclass(frozen=True)
class Scored:
    item: Item
    score: float


class Shard:
    def __init__(self) -> None:
        self.items: list[Item] = []
        self._alive: list[bool] = []
        self._row_of: dict[str, int] = {}
        self._theme_codes: list[int] = []
        self._code_of: dict[str, int] = {}
        self.version: dict[str, tuple[int, str]] = {}  # post id -> (revision, status)
        self._base_counts = sparse.csr_matrix((0, vectors.COLUMNS), dtype=np.float32)
        self._base = sparse.csc_matrix((0, vectors.COLUMNS), dtype=np.float32)
        self._pending: list[sparse.csr_matrix] = []
        self._idf = vectors.idf(np.zeros(vectors.COLUMNS, dtype=np.float32), 0)
        self._ideas: list[Item] = []
        self._idea_rows = sparse.csr_matrix((0, vectors.COLUMNS), dtype=np.float32)
        self._idea_counts = self._idea_rows

    def __len__(self) -> int:
        return sum(self._alive)

    def put(self, items: list[Item], texts: list[str]) -> None:
        """Add (or replace) posts; `texts` are what is indexed for each."""
        if not items:
            return
        for item in items:
            old = self._row_of.get(item.id)
            if old is not None:
                self._alive[old] = False
            self._row_of[item.id] = len(self.items)
            self.items.append(item)
            self._alive.append(True)
            self._theme_codes.append(self._code_of.setdefault(item.theme_id, len(self._code_of)))
        self._pending.append(vectors.counts(texts))
        if sum(rows.shape[0] for rows in self._pending) >= REBUILD_AT:
            self.rebuild()

    def drop(self, post_id: str) -> None:
        row = self._row_of.pop(post_id, None)
        if row is not None:
            self._alive[row] = False

    def rebuild(self) -> None:
        """Stack pending rows under the base; IDF over the live rows; weights by column."""
        counts = sparse.vstack([self._base_counts, *self._pending], format="csr")
        alive = np.asarray(self._alive, dtype=bool)
        live = counts[alive]
        frequency = np.bincount(live.indices, minlength=vectors.COLUMNS).astype(np.float32)
        self._idf = vectors.idf(frequency, live.shape[0])
        self._base_counts, self._pending = counts, []
        self._base = sparse.csc_matrix(vectors.weighted(counts, self._idf))
        self._idea_rows = vectors.weighted(self._idea_counts, self._idf)

    def set_ideas(self, ideas: list[Item]) -> None:
        self._ideas = ideas
        self._idea_counts = vectors.counts([i.text for i in ideas]) if ideas else \
            sparse.csr_matrix((0, vectors.COLUMNS), dtype=np.float32)
        self._idea_rows = vectors.weighted(self._idea_counts, self._idf)

    def search(self, text: str, *, theme_id: str, limit: int,
               minimum: float) -> list[Scored]:
        """The most similar live posts and current ideas, best first."""
        query = vectors.weighted(vectors.counts([text]), self._idf)
        if query.nnz == 0:
            return []
        columns, weights = query.indices, query.data
        scores = np.zeros(len(self.items), dtype=np.float32)
        base_rows = self._base.shape[0]
        if base_rows:
            scores[:base_rows] = np.asarray(self._base[:, columns] @ weights).ravel()
        start = base_rows
        for rows in self._pending:
            weighted = vectors.weighted(rows, self._idf)
            scores[start:start + rows.shape[0]] = np.asarray(
                weighted[:, columns] @ weights).ravel()
            start += rows.shape[0]
        scores[~np.asarray(self._alive, dtype=bool)] = 0.0
        if theme_id:
            code = self._code_of.get(theme_id, -1)
            scores[np.asarray(self._theme_codes, dtype=np.int64) != code] = 0.0
        found = self._best(self.items, scores, limit, minimum)
        if self._ideas:
            idea_scores = np.asarray(self._idea_rows[:, columns] @ weights).ravel()
            if theme_id:
                idea_scores[[i.theme_id != theme_id for i in self._ideas]] = 0.0
            found += self._best(self._ideas, idea_scores, limit, minimum)
        return sorted(found, key=lambda s: -s.score)[:limit]

    @staticmethod
    def _best(items: list[Item], scores: np.ndarray, limit: int,
              minimum: float) -> list[Scored]:
        candidates = np.flatnonzero(scores >= minimum)
        if len(candidates) > limit:
            candidates = candidates[np.argpartition(-scores[candidates], limit - 1)[:limit]]
        ranked = sorted(candidates.tolist(), key=lambda row: -scores[row])
        return [Scored(items[row], float(scores[row])) for row in ranked]
