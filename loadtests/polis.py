"""A Pol.is export (comments.csv, votes.csv) read into one timeline of writes.

Why a module of its own: the replay sends this timeline and checks the final state it
implies; both must agree on what the export means (vote 1 agree, -1 disagree, 0 pass;
the latest vote of a voter on a statement is the one that counts).
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

# What each Pol.is vote becomes on the statement's post: a reaction, or none (a pass
# withdraws an earlier reaction).
REACTION = {1: "like", -1: "disagree", 0: None}


@dataclass(frozen=True)
class Statement:
    at_ms: int
    comment_id: str
    author_id: str
    body: str


@dataclass(frozen=True)
class Vote:
    at_ms: int
    comment_id: str
    voter_id: str
    vote: int

    @property
    def reaction(self) -> str | None:
        return REACTION[self.vote]


@dataclass
class Export:
    statements: list[Statement]
    votes: list[Vote]  # in recorded order (ties keep the file's order)

    @classmethod
    def read(cls, folder: Path) -> Export:
        with (folder / "comments.csv").open(newline="") as file:
            statements = [Statement(int(row["timestamp"]), row["comment-id"], row["author-id"],
                                    row["comment-body"].strip() or "(empty statement)")
                          for row in csv.DictReader(file)]
        with (folder / "votes.csv").open(newline="") as file:
            votes = [Vote(int(row["timestamp"]), row["comment-id"], row["voter-id"],
                          int(row["vote"])) for row in csv.DictReader(file)]
        known = {s.comment_id for s in statements}
        votes = [v for v in votes if v.comment_id in known]
        statements.sort(key=lambda s: s.at_ms)
        votes.sort(key=lambda v: v.at_ms)  # stable: same-millisecond votes keep file order
        return cls(statements, votes)

    def final_counts(self) -> dict[str, Counter[str]]:
        """comment id → reaction counts, from the latest vote per voter and statement."""
        latest: dict[tuple[str, str], Vote] = {}
        for vote in self.votes:
            latest[(vote.comment_id, vote.voter_id)] = vote
        counts: dict[str, Counter[str]] = {s.comment_id: Counter() for s in self.statements}
        for vote in latest.values():
            if vote.reaction is not None:
                counts[vote.comment_id][vote.reaction] += 1
        return counts

    def sample(self, statements: int, votes: int) -> Export:
        """The first `statements` statements and the first `votes` votes on them (a small
        export for the suite, keeping repeated votes of one voter)."""
        kept = self.statements[:statements]
        ids = {s.comment_id for s in kept}
        return Export(kept, [v for v in self.votes if v.comment_id in ids][:votes])

    def write(self, folder: Path) -> None:
        """The export back as Pol.is CSV files (the columns the replay reads)."""
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / "comments.csv").open("w", newline="") as file:
            out = csv.writer(file)
            out.writerow(["timestamp", "datetime", "comment-id", "author-id", "agrees",
                          "disagrees", "moderated", "comment-body"])
            for s in self.statements:
                out.writerow([s.at_ms, "", s.comment_id, s.author_id, "", "", "1", s.body])
        with (folder / "votes.csv").open("w", newline="") as file:
            out = csv.writer(file)
            out.writerow(["timestamp", "datetime", "comment-id", "voter-id", "vote"])
            for v in self.votes:
                out.writerow([v.at_ms, "", v.comment_id, v.voter_id, v.vote])


def schedule(times_ms: list[int], max_gap_s: float) -> list[float]:
    """Recorded seconds from the first event, with every quiet gap longer than
    `max_gap_s` shortened to it (an export spanning years has days without a vote)."""
    out: list[float] = []
    clock = 0.0
    for i, at in enumerate(times_ms):
        if i:
            clock += min((at - times_ms[i - 1]) / 1000, max_gap_s)
        out.append(clock)
    return out
