"""The Pol.is replay against the suite's real stack: a sample of football-concussions
(its first statements and the first votes on them, a changed vote and passes among
them) replayed fast, every write acknowledged and every post's counts equal to the
export's final state."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from devstack import processes
from devstack.stack import Stack
from loadtests.polis import Export, Statement, Vote, schedule
from loadtests.replay import mismatched, replay

EXPORT = processes.ROOT.parent / "shared" / "data" / "polis" / "football-concussions"


def sample() -> Export:
    export = Export.read(EXPORT).sample(statements=25, votes=400)
    repeated = Counter((v.comment_id, v.voter_id) for v in export.votes)
    changed = [key for key, n in repeated.items() if n > 1 and len(
        {v.vote for v in export.votes if (v.comment_id, v.voter_id) == key}) > 1]
    # What makes the check worth running: a changed vote (the latest must win) and passes.
    assert changed, "the sample has no changed vote"
    assert any(v.vote == 0 for v in export.votes)
    return export


async def test_a_sampled_export_replays_with_no_mismatch(stack: Stack, tmp_path: Path) -> None:
    export = sample()
    export.write(tmp_path / "export")  # through the CSV files, as the command reads them
    result = await replay(Export.read(tmp_path / "export"), [stack.config.gateway_url],
                          speed=2000, max_gap=1.0, concurrency=32, settle=15)
    assert result["mismatches"] == 0, result
    assert result["failed"] == 0, result
    assert result["sent"] == result["acknowledged"] == 425, result
    assert set(result["latency_ms"]) == {"p50", "p95", "p99"}


def test_the_latest_vote_counts_and_a_pass_withdraws() -> None:
    export = Export([Statement(0, "c", "a", "x")], [
        Vote(1, "c", "v1", 1), Vote(2, "c", "v1", -1),  # changed: disagree counts
        Vote(3, "c", "v2", 1), Vote(4, "c", "v2", 0),  # withdrawn by a pass
        Vote(5, "c", "v3", 1)])
    assert export.final_counts() == {"c": Counter({"like": 1, "disagree": 1})}


def test_a_post_whose_counts_differ_or_that_is_missing_is_a_mismatch() -> None:
    expected = {"c1": Counter({"like": 2}), "c2": Counter({"disagree": 1}), "c3": Counter()}
    posts = {"c1": "p1", "c2": "p2"}
    seen = {"p1": {"like": 2, "more_info": 1}, "p2": {"disagree": 0}}
    assert mismatched(expected, posts, seen) == ["c2", "c3"]


def test_quiet_gaps_are_shortened_and_busy_ones_kept() -> None:
    # 0 s, +0.5 s, +3 days, +0.2 s: the three-day gap becomes max_gap.
    times = [0, 500, 500 + 3 * 86_400_000, 500 + 3 * 86_400_000 + 200]
    assert schedule(times, max_gap_s=1.0) == [0.0, 0.5, 1.5, 1.7]
