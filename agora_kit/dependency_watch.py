"""Whether a service's dependencies answer: NOT_SERVING only after one fell silent.

A dependency counts as dead when it has not answered the watchdog's probe for `grace`
seconds, not when one answer came late. The watchdog this replaces gave each MongoDB ping
2 s and turned NOT_SERVING at the first one that took longer, so every stall of the store
(a checkpoint, a pause, a starved CPU) took every service out of rotation for a probe
interval: measured with SecantusDB stopped for 3 s at a time, two flips of about 2 s in
27 s (tests/agora_kit/test_runtime.py). Now a late answer is an answer; a dependency
that is gone (killed: connections refused; hung: no answer at all) is silent, and its
silence turns the service NOT_SERVING within `grace` plus one probe interval. The first
probe answered by every dependency turns it SERVING again.

Each dependency's probe latency is a histogram, so slow answers are seen in metrics
rather than as flapping health.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping

from prometheus_client import Gauge, Histogram

log = logging.getLogger(__name__)
Probe = Callable[[], Awaitable[object]]

PROBE_SECONDS = Histogram(
    "agora_dependency_probe_seconds",
    "How long a dependency took to answer the health watchdog's probe (failures excluded).",
    ["service", "dependency"],
    buckets=(0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0),
)
DEPENDENCY_UP = Gauge(
    "agora_dependency_up",
    "1 while the dependency answered within the grace period, else 0.",
    ["service", "dependency"],
)
SLOW_SECONDS = 1.0  # a probe answered later than this is logged


class DependencyWatch:
    """Probes every dependency each `interval`; reports healthy/unhealthy changes."""

    def __init__(self, service: str, probes: Mapping[str, Probe], *, grace: float,
                 on_change: Callable[[bool], Awaitable[None]], interval: float = 1.0) -> None:
        self.service = service
        self.probes = dict(probes)
        self.grace = grace
        self.interval = interval
        self.on_change = on_change
        self.last_answer = dict.fromkeys(self.probes, time.monotonic())
        self.healthy = True

    async def run(self) -> None:
        for name in self.probes:
            DEPENDENCY_UP.labels(self.service, name).set(1)
        while True:
            await asyncio.sleep(self.interval)
            await self.check()

    async def check(self) -> bool:
        """One round of probes (concurrent, each bounded by the grace period)."""
        await asyncio.gather(*(self._probe(name, probe) for name, probe in self.probes.items()))
        now = time.monotonic()
        silent = [name for name, at in self.last_answer.items() if now - at > self.grace]
        for name in self.probes:
            DEPENDENCY_UP.labels(self.service, name).set(0 if name in silent else 1)
        healthy = not silent
        if healthy != self.healthy:
            self.healthy = healthy
            log.warning("dependency health changed",
                        extra={"serving": healthy, "silent": silent, "grace": self.grace})
            await self.on_change(healthy)
        return healthy

    async def _probe(self, name: str, probe: Probe) -> None:
        started = time.monotonic()
        try:
            await asyncio.wait_for(probe(), self.grace)
        except Exception as error:  # refused, reset, timed out: no answer this round
            log.debug("dependency probe failed", extra={"dependency": name,
                                                        "error": repr(error)})
            return
        answered = time.monotonic()
        self.last_answer[name] = answered
        PROBE_SECONDS.labels(self.service, name).observe(answered - started)
        if answered - started > SLOW_SECONDS:
            log.info("dependency answered slowly", extra={
                "dependency": name, "seconds": round(answered - started, 3)})
