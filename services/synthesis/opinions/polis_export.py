"""Reading a Pol.is export folder (votes.csv, comments.csv, participants-votes.csv)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from services.synthesis.opinions import matrix
from services.synthesis.opinions.matrix import VoteMatrix


class ExportError(ValueError):
    """The folder is not a readable Pol.is export."""


@dataclass(frozen=True)
class Export:
    votes: list[tuple[int, str, str, int]]  # (ms timestamp, voter, comment, vote), in time order
    rejected: frozenset[str]  # comments moderated out (moderated = -1)

    @property
    def matrix(self) -> VoteMatrix:
        return matrix.build((p, c, v) for _, p, c, v in self.votes)


def load(folder: Path) -> Export:
    """The votes in time order (the latest vote on a comment counts) and the rejected
    comments."""
    try:
        with (folder / "votes.csv").open(newline="") as f:
            rows = [(int(r["timestamp"]), r["voter-id"], r["comment-id"], int(r["vote"]))
                    for r in csv.DictReader(f)]
        rejected: set[str] = set()
        comments = folder / "comments.csv"
        if comments.exists():
            with comments.open(newline="") as f:
                rejected = {r["comment-id"] for r in csv.DictReader(f)
                            if r.get("moderated", "").strip() == "-1"}
    except (OSError, KeyError, ValueError) as exc:
        raise ExportError(f"{folder}: not a Pol.is export ({exc})") from exc
    rows.sort(key=lambda r: r[0])
    return Export(rows, frozenset(rejected))


def polis_groups(folder: Path) -> dict[str, int]:
    """Polis's own group-id per participant (those it placed in a group)."""
    with (folder / "participants-votes.csv").open(newline="") as f:
        return {r["participant"]: int(r["group-id"]) for r in csv.DictReader(f)
                if r["group-id"].strip() != ""}
