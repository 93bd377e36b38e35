"""`make bench` end to end, small: a cluster of two gateways, the seeded consultations,
every kind of participant (weights overridden so a few users include a facilitator)
with short think times, and the report folder. Every request type the scenarios send
must appear and none may fail — a scenario whose request the API refuses (a wrong
body, a role it lacks, a stale seed id) fails here, not in a two-hour run."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from devstack import processes

EXPECTED = {
    "POST /v1/sessions (login)",
    "GET /v1/threads/{id}/posts",
    "GET /v1/consultations/{id}/ideas",
    "GET /v1/consultations/{id}/syntheses/{id}/versions/{n}",
    "PUT /v1/posts/{id}/reaction",
    "POST /v1/threads/{id}/posts",
    "POST /v1/threads/{id}/posts (survey answer)",
    "POST /v1/threads/{id}/posts (two-column argument)",
    "POST /v1/consultations/{id}/extracts",
    "PUT /v1/consultations/{id}/syntheses/{id}/draft",
    "POST /v1/consultations/{id}/syntheses/{id}/versions",
    "POST /v1/posts/{id}/moderation (hide)",
}


# Starting a cluster of every service and two gateways, 25 s of load and the report's
# plots: about 80 s on the shared machine, and its subprocess may take up to 420 s.
@pytest.mark.timeout(480)
def test_a_short_bench_exercises_every_kind_and_writes_its_report(tmp_path: Path) -> None:
    out = tmp_path / "report"
    env = {**os.environ, "AGORA_BENCH_THINK": "0.3,0.8",
           "AGORA_BENCH_MIX": "Learner=1,Reactor=1,Contributor=1,Facilitator=1"}
    run = subprocess.run(
        [sys.executable, "-m", "loadtests.bench", "--users", "8", "--spawn-rate", "8",
         "--duration", "25", "--gateways", "2", "--threads", "20", "--accounts", "4",
         "--login-share", "0.5", "--sse-share", "0.25", "--out", str(out)],
        cwd=processes.ROOT, env=env, capture_output=True, text=True, timeout=420)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-4000:]
    with (out / "locust_stats.csv").open() as f:
        stats = {row["Name"]: row for row in csv.DictReader(f)}
    assert set(stats) >= EXPECTED, sorted(EXPECTED - set(stats))
    failing = {name: row["Failure Count"] for name, row in stats.items()
               if int(row["Failure Count"])}
    assert not failing, (failing, (out / "locust_failures.csv").read_text())
    summary = (out / "summary.md").read_text()
    for section in ("## Where the time went", "## Caches", "Ratio gateway/bare"):
        assert section in summary
    assert "Logins: 0 " not in summary  # logins are counted from the gateways' metrics
    assert "-" not in summary.split("read cache (no ListPosts call to threads): ")[1][:3]
    for plot in ("latency.png", "throughput.png", "locust.html"):
        assert (out / plot).stat().st_size > 1000, plot
