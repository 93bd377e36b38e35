"""`make bench`: a Locust scenario against a local cluster, and a report folder.

1. starts the cluster (loadtests/cluster.py) with `--gateways` gateway replicas, seeds
   it (loadtests/seed.py) and starts the bare FastAPI baseline (loadtests/bare_app.py);
2. runs the scenario (loadtests/locustfile.py) headless for `--duration` with a Locust
   master and `--workers` workers, sampling CPU and memory of every process and the
   load average every 5 s;
3. measures, in the same run, the cached read path (the most read thread page through
   a gateway) against the bare endpoint serving the same bytes, with the same closed
   loop of clients (bench_thread_read.drive);
4. writes into `--out`: Locust's HTML and CSV files, `summary.md` (users, RPS,
   p50/p95/p99 per request type, error rate, CPU and memory per process, load
   average, cache hit ratios, the ratio of step 3) and `latency.png`, `throughput.png`.

    .venv/bin/python -m loadtests.bench --users 2000 --duration 180 --scenario ideation
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psutil  # type: ignore[import-untyped]
import redis
from prometheus_client.parser import text_string_to_metric_families

from devstack import processes
from loadtests.bench_thread_read import drive
from loadtests.cluster import Cluster, temporary_work
from loadtests.seed import seed, write

ROOT = processes.ROOT


class Sampler(threading.Thread):
    """CPU seconds and resident memory of every process, and the load average."""

    def __init__(self, pids: dict[str, int], every: float = 5.0) -> None:
        super().__init__(daemon=True)
        self.processes = {name: psutil.Process(pid) for name, pid in pids.items()}
        self.every = every
        self.stopped = threading.Event()
        self.peak_rss: dict[str, int] = {name: 0 for name in pids}
        self.loads: list[tuple[float, float, float]] = []
        self.cpu_start = self.cpu()
        self.started = time.monotonic()
        self.cpu_end: dict[str, float] = {}
        self.ended = 0.0

    def cpu(self) -> dict[str, float]:
        """CPU seconds so far; a process that has exited keeps its last sampled value
        (Locust's processes end before the run's last sample)."""
        used = dict(getattr(self, "last_cpu", {}))
        for name, process in self.processes.items():
            try:
                times = process.cpu_times()
                used[name] = times.user + times.system
            except psutil.Error:
                used.setdefault(name, 0.0)
        self.last_cpu = used
        return used

    def run(self) -> None:
        while not self.stopped.wait(self.every):
            self.loads.append(os.getloadavg())
            self.cpu()
            for name, process in self.processes.items():
                with contextlib.suppress(psutil.Error):
                    self.peak_rss[name] = max(self.peak_rss[name], process.memory_info().rss)

    def stop(self) -> None:
        self.cpu_end = self.cpu()
        self.ended = time.monotonic()
        self.stopped.set()


def locust(args: argparse.Namespace, out: Path, env: dict[str, str]
           ) -> list[subprocess.Popen[bytes]]:
    """Master (first) and workers, headless, started; they stop by themselves."""
    base = [str(Path(sys.executable).parent / "locust"), "-f",
            str(ROOT / "loadtests" / "locustfile.py")]
    workers = [subprocess.Popen([*base, "--worker"], env=env, cwd=ROOT,
                                stdout=(out / f"worker{i}.log").open("w"),
                                stderr=subprocess.STDOUT) for i in range(args.workers)]
    master = subprocess.Popen(
        [*base, "--master", "--headless", "--expect-workers", str(args.workers),
         "-u", str(args.users), "-r", str(args.spawn_rate), "-t", f"{args.duration}s",
         "--host", env["AGORA_BENCH_HOSTS"].split(",")[0],
         "--csv", str(out / "locust"), "--csv-full-history", "--html",
         str(out / "locust.html"), "--only-summary", "--stop-timeout", "10"],
        env=env, cwd=ROOT, stdout=(out / "locust-master.log").open("w"),
        stderr=subprocess.STDOUT)
    return [master, *workers]


def finish(started: list[subprocess.Popen[bytes]]) -> int:
    """Wait for the master, then the workers; the master's exit status."""
    master, *workers = started
    code = master.wait()
    for worker in workers:
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            worker.kill()
    return code


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as file:
        return list(csv.DictReader(file))


def plots(out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    history = [r for r in rows(out / "locust_stats_history.csv") if r["Name"] == "Aggregated"]
    if not history:
        return
    start = int(history[0]["Timestamp"])
    seconds = [int(r["Timestamp"]) - start for r in history]

    def column(name: str) -> list[float]:
        return [float(r[name]) if r[name] not in ("", "N/A") else float("nan") for r in history]

    # Per request type: the aggregate would mix in the SSE streams, held 20-60 s each.
    figure, axis = plt.subplots(figsize=(9, 4))
    every = rows(out / "locust_stats_history.csv")
    for name, cut in (("GET /v1/threads/{id}/posts", "50%"), ("GET /v1/threads/{id}/posts", "95%"),
                      ("GET /v1/threads/{id}/posts", "99%"), ("PUT /v1/posts/{id}/reaction", "95%"),
                      ("POST /v1/threads/{id}/posts", "95%"),
                      ("PUT /v1/vote-sessions/{id}/ballot", "95%")):
        series = [(int(r["Timestamp"]) - start, float(r[cut])) for r in every
                  if r["Name"] == name and r[cut] not in ("", "N/A")]
        if series:
            axis.plot(*zip(*series, strict=True), label=f"{name} p{cut.rstrip('%')}")
    axis.set_yscale("log")
    axis.set(xlabel="seconds", ylabel="ms", title="Latency over time (by request type)")
    axis.legend(fontsize=7)
    figure.savefig(out / "latency.png", dpi=90, bbox_inches="tight")
    figure, axis = plt.subplots(figsize=(9, 4))
    axis.plot(seconds, column("Requests/s"), label="requests/s")
    axis.plot(seconds, column("Failures/s"), label="failures/s")
    twin = axis.twinx()
    twin.plot(seconds, column("User Count"), color="grey", linestyle=":", label="users")
    twin.set_ylabel("users")
    axis.set(xlabel="seconds", ylabel="per second", title="Throughput over time")
    axis.legend(loc="upper left")
    figure.savefig(out / "throughput.png", dpi=90, bbox_inches="tight")


def cache_ratios(cluster: Cluster, before: dict[str, float]) -> dict[str, float]:
    """Redis keyspace hits / (hits + misses) during the run; the share of thread page
    reads the gateways answered without asking threads for the page (ListPosts), and
    those answered from a gateway's own process cache (the read pipeline's first tier,
    reads/posts_page.py)."""
    stats = redis_stats(cluster)
    hits = stats["keyspace_hits"] - before["keyspace_hits"]
    misses = stats["keyspace_misses"] - before["keyspace_misses"]
    now = gateway_counts(cluster)
    reads = now["page_reads"] - before["page_reads"]
    return {"redis_hit_ratio": hits / max(hits + misses, 1),
            "page_hit_ratio": 1 - (now["list_posts"] - before["list_posts"]) / max(reads, 1),
            "process_page_reads": now["process_page_reads"] - before["process_page_reads"]}


def counted(name: str, labels: dict[str, str]) -> str | None:
    """Which of the report's counts a gateway's metric sample adds to, if any."""
    if name == "http_server_request_duration_seconds_count" and labels.get("method") == "GET" \
            and labels.get("route") == "/v1/threads/{thread_id}/posts":
        return "page_reads"
    if name == "rpc_client_duration_seconds_count" and \
            labels.get("method", "").endswith("ThreadsService/ListPosts"):
        return "list_posts"
    if name == "agora_page_reads_from_process_total":
        return "process_page_reads"
    if name == "rpc_client_duration_seconds_count" and labels.get("code") == "OK" and \
            labels.get("method", "").endswith("IdentityService/Login"):
        return "logins"
    return None


def gateway_counts(cluster: Cluster) -> dict[str, float]:
    """Sums over the gateways' /metrics of what the cache ratios and logins need (parsed
    with Prometheus's own text parser: label order is the exporter's business)."""
    totals = {"page_reads": 0.0, "list_posts": 0.0, "process_page_reads": 0.0, "logins": 0.0}
    for url in cluster.gateway_urls:
        try:
            text = httpx.get(f"{url}/metrics", timeout=10).text
        except httpx.HTTPError:
            continue
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                key = counted(sample.name, sample.labels)
                if key:
                    totals[key] += sample.value
    return totals


def redis_stats(cluster: Cluster) -> dict[str, float]:
    info = redis.Redis(port=cluster.infra["redis"].port or 0).info("stats")
    return {"keyspace_hits": float(info["keyspace_hits"]),
            "keyspace_misses": float(info["keyspace_misses"])}


def page_reads(stats: list[dict[str, str]]) -> int:
    return sum(int(r["Request Count"]) for r in stats
               if r["Type"] == "GET" and r["Name"].endswith("/posts"))


def summary(args: argparse.Namespace, out: Path, sampler: Sampler, ratios: dict[str, float],
            baseline: dict[str, dict[str, float]], logins: int, code: int) -> str:
    stats = rows(out / "locust_stats.csv")
    total = next(r for r in stats if r["Name"] == "Aggregated")
    requests, failures = int(total["Request Count"]), int(total["Failure Count"])
    wall = sampler.ended - sampler.started
    lines = [
        f"# Load run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: {args.scenario}",
        "",
        f"Machine: {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB, "
        f"{os.uname().sysname} {os.uname().release}; shared with other sessions' work "
        "(see the load average).",
        f"Users {args.users} (spawn rate {args.spawn_rate}/s, think time "
        f"{os.environ.get('AGORA_BENCH_THINK', '5,15')} s), duration {args.duration} s, "
        f"gateways {args.gateways}, Locust workers {args.workers}, login share "
        f"{args.login_share}, SSE share {args.sse_share}; Locust exit status {code}.",
        "",
        f"**{requests} requests, {float(total['Requests/s']):.1f} req/s, error rate "
        f"{100 * failures / max(requests, 1):.2f}%** (p50 {total['50%']} ms, p95 "
        f"{total['95%']} ms, p99 {total['99%']} ms). Logins: {logins} "
        f"({logins / max(args.duration, 1):.2f}/s over the run).",
        "",
        "| type | request | count | failures | req/s | p50 ms | p95 ms | p99 ms |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in stats:
        if r["Name"] != "Aggregated":
            lines.append(f"| {r['Type']} | {r['Name']} | {r['Request Count']} | "
                         f"{r['Failure Count']} | {float(r['Requests/s']):.1f} | {r['50%']} | "
                         f"{r['95%']} | {r['99%']} |")
    lines += ["", "## Where the time went (CPU and memory per process)", "",
              "| process | CPU s | CPU % of one core | CPU ms per request | peak RSS MiB |",
              "|---|---|---|---|---|"]
    for name in sorted(sampler.cpu_end, key=lambda n: -(sampler.cpu_end[n]
                                                        - sampler.cpu_start.get(n, 0))):
        used = sampler.cpu_end[name] - sampler.cpu_start.get(name, 0)
        lines.append(f"| {name} | {used:.1f} | {100 * used / wall:.0f}% | "
                     f"{1000 * used / max(requests, 1):.2f} | "
                     f"{sampler.peak_rss.get(name, 0) / 2**20:.0f} |")
    loads = sampler.loads or [os.getloadavg()]
    lines += ["", f"Load average (1 min) during the run: min {min(x[0] for x in loads):.1f}, "
              f"max {max(x[0] for x in loads):.1f} on {os.cpu_count()} cores.", "",
              "## Caches", "",
              f"Thread pages answered from the read cache (no ListPosts call to threads): "
              f"{100 * ratios['page_hit_ratio']:.1f}%, of which "
              f"{ratios['process_page_reads']:.0f} from a gateway's own process cache, of "
              f"{page_reads(stats)} page reads; Redis keyspace hit ratio "
              f"{100 * ratios['redis_hit_ratio']:.1f}%.", ""]
    if baseline:
        bare, gateway = baseline["bare"], baseline["gateway"]
        lines += ["## Cached read path vs bare FastAPI (same run, after the scenario)", "",
                  "| target | req/s | p50 ms | p95 ms | p99 ms |", "|---|---|---|---|---|",
                  *(f"| {name} | {r['rps']:.0f} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | "
                    f"{r['p99_ms']:.1f} |" for name, r in baseline.items()), "",
                  f"Ratio gateway/bare: {gateway['rps'] / bare['rps']:.2f}.", ""]
    lines += ["![latency](latency.png)", "", "![throughput](throughput.png)", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--spawn-rate", type=float, default=20)
    parser.add_argument("--duration", type=int, default=120)
    parser.add_argument("--scenario", choices=("ideation", "voting-rush"), default="ideation")
    parser.add_argument("--gateways", type=int, default=2)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--accounts", type=int, default=100)
    parser.add_argument("--threads", type=int, default=200)
    parser.add_argument("--login-share", type=float, default=0.1)
    parser.add_argument("--sse-share", type=float, default=0.05)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    out = args.out or ROOT / "bench-reports" / datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    out.mkdir(parents=True, exist_ok=True)
    work = temporary_work("agora-bench-")
    cluster = Cluster(work, gateways=args.gateways)
    try:
        print(f"[bench] starting {args.gateways} gateway(s) ...", flush=True)
        cluster.start()
        seeded = asyncio.run(seed(cluster.gateway_urls[0], cluster.mongo_uri,
                                  threads=args.threads, accounts=args.accounts))
        write(work / "seed.json", seeded)
        print(f"[bench] seeded {len(seeded['threads'])} threads, {args.accounts} accounts",
              flush=True)
        env = {**os.environ, "AGORA_BENCH_SEED": str(work / "seed.json"),
               "AGORA_BENCH_HOSTS": ",".join(cluster.gateway_urls),
               "AGORA_BENCH_SCENARIO": args.scenario,
               "AGORA_BENCH_LOGIN_SHARE": str(args.login_share),
               "AGORA_BENCH_SSE_SHARE": str(args.sse_share)}
        before = {**redis_stats(cluster), **gateway_counts(cluster)}
        print(f"[bench] {args.users} users for {args.duration} s ...", flush=True)
        started = locust(args, out, env)
        load = {"locust master": started[0].pid,
                **{f"locust worker {i}": w.pid for i, w in enumerate(started[1:])}}
        sampler = Sampler({**cluster.pids(), **load})
        sampler.start()
        code = finish(started)
        sampler.stop()
        ratios = cache_ratios(cluster, before)
        logins = int(gateway_counts(cluster)["logins"] - before["logins"])
        baseline = asyncio.run(compare(cluster, seeded, work))
        (out / "summary.md").write_text(summary(args, out, sampler, ratios, baseline,
                                                logins, code))
        plots(out)
        print(f"[bench] report in {out}", flush=True)
        return 0
    finally:
        cluster.stop()


async def compare(cluster: Cluster, seeded: dict[str, Any], work: Path,
                  seconds: float = 10, concurrency: int = 16) -> dict[str, dict[str, float]]:
    """The most read page through the first gateway vs the bare endpoint (same bytes)."""
    url = f"{cluster.gateway_urls[0]}/v1/threads/{seeded['threads'][0]['id']}/posts?limit=20"
    async with httpx.AsyncClient(timeout=30) as client:
        page = await client.get(url)
    (work / "page.json").write_bytes(page.content)
    port = processes.free_port()
    bare = processes.Child("bare", [sys.executable, "-m", "uvicorn", "loadtests.bare_app:app",
                                    "--port", str(port), "--log-level", "warning"],
                           cluster.logs / "bare.log",
                           env={"BARE_PAGE_FILE": str(work / "page.json")}, port=port).start()
    try:
        bare.wait_port()
        results = {}
        for name, target in (("bare", f"http://127.0.0.1:{port}/page"), ("gateway", url)):
            await drive(target, 2, concurrency)
            results[name] = await drive(target, seconds, concurrency)
        return results
    finally:
        bare.stop()


if __name__ == "__main__":
    sys.exit(main())
