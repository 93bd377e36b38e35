"""A writer killed mid-burst: every write it left unanswered, retried with its body and
key once it is SERVING again, is acknowledged within 10 s and applied exactly once.

Before, the retries met the dead process's open transactions (their uncommitted writes
of the same idempotency key, reaction or ballot) for the server's 60 s; now the
restarted process ends them once the dead one's heartbeat lapses
(`agora_kit/instances.py`). The scenarios are `loadtests/kill_retry.py`'s, which also
reports the numbers (docs/benchmarks/resilience.md).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from loadtests import kill_retry

BOUND = 10.0  # seconds from SERVING to acknowledged


@pytest.mark.parametrize("writer", sorted(kill_retry.SCENARIOS))
async def test_retries_after_a_kill_are_acknowledged_within_seconds_and_once(
    writer: str, mongo_uri: str, redis_url: str, work_dir: Path,
) -> None:
    outcome = await kill_retry.run(kill_retry.SCENARIOS[writer](), mongo_uri=mongo_uri,
                                   redis_url=redis_url,
                                   log_dir=work_dir / f"writer-kill-{writer}",
                                   budget=BOUND + 5)
    summary = outcome.summary()
    assert outcome.retried, f"the kill left no write unanswered:\n{summary}"
    assert not outcome.unacknowledged, summary
    assert max(outcome.waits) <= BOUND, summary
    assert not outcome.violations, summary
