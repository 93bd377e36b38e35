"""The order of exposure measured on the shared Pol.is conversations, against
chronological and random order (issue #12 §4; numbers in docs/exposure.md).

    .venv/bin/python -m loadtests.sim_exposure ../shared/data/polis/*/

How a conversation is replayed. Participants arrive in the order of their first recorded
vote; each sees as many statements as they voted on in the export (their session
length), among the statements that existed then (rejected ones left out), asking for
batches of `--batch` posts, and never their own. To a statement they voted on they react
as they did (their latest vote); to one they never saw in Pol.is, as the statement's
voters did on average (a draw from its agree / disagree / pass shares), since what they
would have said is unknown. Every answer, pass included, is a reaction.

Reported per order: the Gini coefficient of reactions per statement at the end (0: all
equal), the participant-views until every statement has `--target` reactions (or how
many statements never get there), and the statements that end with fewer than
`--target`.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from services.synthesis.exposure.near_duplicates import shingles
from services.synthesis.exposure.order import Candidate, next_batch

MIN_REACTIONS = 10


@dataclass
class Conversation:
    name: str
    statements: list[tuple[int, str, str, frozenset[str]]]  # (at ms, id, author, shingles)
    sessions: list[tuple[int, str, int]]  # (first vote ms, voter, session length)
    votes: dict[tuple[str, str], int]  # (voter, statement) -> latest vote
    shares: dict[str, list[int]]  # statement -> its votes, to draw an unknown reaction from

    @classmethod
    def read(cls, folder: Path) -> Conversation:
        with (folder / "comments.csv").open(newline="") as file:
            rows = [r for r in csv.DictReader(file) if r["moderated"] != "-1"]
        statements = sorted((int(r["timestamp"]), r["comment-id"], r["author-id"],
                             shingles(r["comment-body"])) for r in rows)
        known = {s[1] for s in statements}
        votes: dict[tuple[str, str], tuple[int, int]] = {}
        first: dict[str, int] = {}
        with (folder / "votes.csv").open(newline="") as file:
            for r in csv.DictReader(file):
                if r["comment-id"] not in known:
                    continue
                at, voter = int(r["timestamp"]), r["voter-id"]
                key = (voter, r["comment-id"])
                if key not in votes or votes[key][0] <= at:
                    votes[key] = (at, int(r["vote"]))
                first[voter] = min(first.get(voter, at), at)
        lengths = Counter(voter for voter, _ in votes)
        shares: dict[str, list[int]] = defaultdict(list)
        for (_, statement), (_, vote) in votes.items():
            shares[statement].append(vote)
        return cls(folder.name, statements,
                   sorted((first[v], v, lengths[v]) for v in lengths),
                   {key: vote for key, (_, vote) in votes.items()}, dict(shares))


Order = Callable[[list[Candidate], str, set[str], int, random.Random], list[str]]


def chronological(candidates: list[Candidate], viewer: str, seen: set[str], size: int,
                  rng: random.Random) -> list[str]:
    return [c.post_id for c in candidates
            if c.author_id != viewer and c.post_id not in seen][:size]


def shuffled(candidates: list[Candidate], viewer: str, seen: set[str], size: int,
             rng: random.Random) -> list[str]:
    open_ = [c.post_id for c in candidates if c.author_id != viewer and c.post_id not in seen]
    return rng.sample(open_, min(size, len(open_)))


def fair(candidates: list[Candidate], viewer: str, seen: set[str], size: int,
         rng: random.Random) -> list[str]:
    return [o.post_id for o in next_batch(candidates, viewer_id=viewer, reacted=seen,
                                          size=size, min_reactions=MIN_REACTIONS, rng=rng)]


ORDERS: dict[str, Order] = {"chronological": chronological, "random": shuffled, "fair": fair}


def gini(values: list[int]) -> float:
    ordered = sorted(values)
    n, total = len(ordered), sum(ordered)
    if n == 0 or total == 0:
        return 0.0
    return sum((2 * (i + 1) - n - 1) * v for i, v in enumerate(ordered)) / (n * total)


def simulate(conversation: Conversation, order: Order, *, batch: int, target: int,
             seed: int) -> dict[str, object]:
    rng = random.Random(seed)
    counts = {s[1]: [0, 0, 0] for s in conversation.statements}  # agree, disagree, pass
    views, reached_at = 0, None
    below = set(counts)
    statements = conversation.statements
    for at, voter, length in conversation.sessions:
        available = [s for s in statements if s[0] <= at]
        seen: set[str] = set()
        while len(seen) < length:
            candidates = [Candidate(sid, author, words, counts[sid][0], counts[sid][1],
                                    counts[sid][2]) for _, sid, author, words in available]
            offered = order(candidates, voter, seen, min(batch, length - len(seen)), rng)
            if not offered:
                break
            for sid in offered:
                seen.add(sid)
                vote = conversation.votes.get((voter, sid))
                if vote is None:
                    vote = rng.choice(conversation.shares.get(sid) or [0])
                counts[sid][{1: 0, -1: 1, 0: 2}[vote]] += 1
                views += 1
                if sum(counts[sid]) >= target:
                    below.discard(sid)
                if not below and reached_at is None:
                    reached_at = views
    totals = [sum(c) for c in counts.values()]
    return {"gini": round(gini(totals), 3), "views": views,
            "views_until_all_reach_target": reached_at,
            "statements_below_target": sum(t < target for t in totals)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("exports", nargs="+", type=Path)
    parser.add_argument("--batch", type=int, default=5)
    parser.add_argument("--target", type=int, default=10)
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args(argv)
    results = {}
    for folder in args.exports:
        conversation = Conversation.read(folder)
        results[conversation.name] = {
            name: simulate(conversation, order, batch=args.batch, target=args.target,
                           seed=args.seed) for name, order in ORDERS.items()}
    json.dump(results, sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
