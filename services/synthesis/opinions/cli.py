"""`agora-opinions --polis-export DIR`: the opinion groups of a Pol.is export, as JSON.

The export's votes are replayed in time order through the same incremental update the
service runs (replay.py), then printed as one object: each participant's group (null
when not clustered), the groups with their size and representative statements, the
consensus and the divisive statements.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from services.synthesis.opinions import polis_export, replay
from services.synthesis.opinions.opinion_map import OpinionMap


def _sid(statement: str) -> int | str:
    return int(statement) if statement.lstrip("-").isdigit() else statement


def as_json(result: OpinionMap) -> dict[str, Any]:
    """Groups renumbered 0..n-1 in order of their ids."""
    number = {g.id: n for n, g in enumerate(result.groups)}
    return {
        "participants": {_sid(p): (number[int(g)] if g >= 0 else None)
                         for p, g in zip(result.participants, result.group_of, strict=True)},
        "groups": [{"id": number[g.id], "size": g.size,
                    "representative": [_sid(s.id) for s in g.representative]}
                   for g in result.groups],
        "consensus": [_sid(s.id) for s in result.consensus],
        "divisive": [_sid(s.id) for s in result.divisive],
    }


def run(folder: Path) -> dict[str, Any]:
    export = polis_export.load(folder)
    return as_json(replay.replay(export.votes, export.rejected))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="agora-opinions", description=__doc__.split("\n")[0])
    parser.add_argument("--polis-export", type=Path, required=True, metavar="DIR",
                        help="a Pol.is export folder (votes.csv, comments.csv)")
    args = parser.parse_args(argv)
    try:
        out = run(args.polis_export)
    except polis_export.ExportError as exc:
        print(f"agora-opinions: {exc}", file=sys.stderr)
        return 2
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
