"""The next posts for one participant: new ones first, then a bandit over consensus and
controversy, as Pol.is's comment routing and Make.org's sequences do.

Why this shape. A post nobody has reacted to tells the opinion map nothing, so posts
below `min_reactions` come first, the least reacted first (ties at random), so that
every contribution gets its first reactions early whatever its date. Past that
threshold, reactions are spent where they teach most: half the slots go to posts that
look like a consensus and half to posts that look divisive. Each post's agree share is
uncertain, and more so with few reactions, so the scores are Thompson samples from the
Beta posterior of that share rather than point estimates: a post that only looks
divisive because three people reacted keeps being tried until it is known, and a known
one is not shown forever. A batch never holds the viewer's own post, one they reacted to
already, two posts of one author, or two near-duplicates (near_duplicates.py).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from services.synthesis.exposure.near_duplicates import similar

NEW, CONSENSUS, CONTROVERSIAL = "new", "consensus", "controversial"


@dataclass(frozen=True)
class Candidate:
    post_id: str
    author_id: str
    words: frozenset[str]  # near_duplicates.shingles of its text, computed once per text
    agree: int = 0
    disagree: int = 0
    other: int = 0  # reactions that are neither agreement nor disagreement

    @property
    def reactions(self) -> int:
        return self.agree + self.disagree + self.other


@dataclass(frozen=True)
class Offered:
    post_id: str
    reason: str  # NEW, CONSENSUS or CONTROVERSIAL


def sampled_scores(candidate: Candidate, rng: random.Random) -> tuple[float, float]:
    """(consensus, controversy) from one Thompson sample of the post's agree share:
    consensus near 1 when (almost) all agree or all disagree, controversy near 1 when
    agreement and disagreement balance."""
    share = rng.betavariate(candidate.agree + 1, candidate.disagree + 1)
    lean = abs(2 * share - 1)
    return lean, 1 - lean


def next_batch(candidates: Iterable[Candidate], *, viewer_id: str, reacted: set[str],
               size: int, min_reactions: int, rng: random.Random) -> list[Offered]:
    """Up to `size` posts for `viewer_id`, in the order to show them."""
    open_ = [c for c in candidates if c.author_id != viewer_id and c.post_id not in reacted]
    fresh = [c for c in open_ if c.reactions < min_reactions]
    rng.shuffle(fresh)
    fresh.sort(key=lambda c: c.reactions)
    known = [c for c in open_ if c.reactions >= min_reactions]
    batch: list[tuple[Candidate, str]] = []
    for candidate in fresh:
        if len(batch) == size:
            break
        if _fits(candidate, batch):
            batch.append((candidate, NEW))
    if len(batch) < size and known:
        scores = {c.post_id: sampled_scores(c, rng) for c in known}
        by = {CONSENSUS: sorted(known, key=lambda c: scores[c.post_id][0], reverse=True),
              CONTROVERSIAL: sorted(known, key=lambda c: scores[c.post_id][1], reverse=True)}
        taken: set[str] = set()
        while len(batch) < size:
            reason = CONSENSUS if sum(r == CONSENSUS for _, r in batch) <= sum(
                r == CONTROVERSIAL for _, r in batch) else CONTROVERSIAL
            other = CONTROVERSIAL if reason == CONSENSUS else CONSENSUS
            picked = ((c, r) for r in (reason, other) for c in by[r]
                      if c.post_id not in taken and _fits(c, batch))
            chosen, reason = next(picked, (None, reason))
            if chosen is None:
                break
            batch.append((chosen, reason))
            taken.add(chosen.post_id)
    return [Offered(c.post_id, reason) for c, reason in batch]


def _fits(candidate: Candidate, batch: Sequence[tuple[Candidate, str]]) -> bool:
    return all(candidate.author_id != other.author_id
               and not similar(candidate.words, other.words) for other, _ in batch)
