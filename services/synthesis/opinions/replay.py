"""Replaying a conversation's votes through the incremental update, as a live service
(or Polis's math worker) would have seen them arrive.

Polis's groups depend on the path (warm starts, the k smoother), so the groups of a
finished conversation are those of its last update after all the earlier ones. An
update runs at the first vote arriving at least `interval` seconds after the previous
update, once the votes have grown by GROWTH since it, and once at the end: the same
debounce as the service's recompute (which also waits for the conversation to change
in proportion to its size, so a large conversation is not recomputed for every vote).
"""

from __future__ import annotations

from collections.abc import Iterable

from services.synthesis.opinions import matrix
from services.synthesis.opinions.opinion_map import OpinionMap, State, update

# The service's debounce (at most one recompute per consultation per this many seconds).
INTERVAL_SECONDS = 300.0
GROWTH = 0.0


def replay(votes: Iterable[tuple[int, str, str, int]], hidden: frozenset[str] = frozenset(),
           interval: float = INTERVAL_SECONDS, growth: float = GROWTH) -> OpinionMap:
    """The map after replaying (ms timestamp, participant, statement, vote) in order."""
    rows: dict[str, int] = {}
    cols: dict[str, int] = {}
    latest: dict[tuple[int, int], int] = {}
    state: State | None = None
    last_update: float | None = None
    result: OpinionMap | None = None
    pending = False
    at_last = 0
    for seen, (at, participant, statement, vote) in enumerate(votes, start=1):
        i = rows.setdefault(participant, len(rows))
        j = cols.setdefault(statement, len(cols))
        latest[(i, j)] = max(-1, min(1, int(vote)))
        pending = True
        if last_update is None or (at / 1000 - last_update >= interval
                                   and seen >= at_last * (1 + growth)):
            result = _run(rows, cols, latest, hidden, state, summarise=False)
            state, last_update, pending, at_last = result.state, at / 1000, False, seen
    if pending or result is None or not result.groups:
        result = _run(rows, cols, latest, hidden, state, summarise=True)
    return result


def _run(rows: dict[str, int], cols: dict[str, int], latest: dict[tuple[int, int], int],
         hidden: frozenset[str], state: State | None, summarise: bool) -> OpinionMap:
    m = matrix.from_arrays(tuple(rows), tuple(cols), latest).without(hidden)
    return update(m, state, summarise)
