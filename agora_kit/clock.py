"""Time, from one replaceable source.

`now()` is the wall time at MongoDB's precision (milliseconds), so what a create returns
equals what a later read returns. `Clock` is what expiring things (caches, key reloads)
read instead of calling `time.monotonic()` themselves, so a test can hand them a
`ManualClock` and move time forward instead of sleeping on the wall clock.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Protocol


def now() -> datetime:
    current = datetime.now(UTC)
    return current.replace(microsecond=current.microsecond // 1000 * 1000)


class Clock(Protocol):
    def monotonic(self) -> float:
        """Seconds on a clock that never goes back (only differences mean anything)."""


class SystemClock:
    """The process's monotonic clock."""

    def monotonic(self) -> float:
        return time.monotonic()


class ManualClock:
    """A clock that moves only when a test says so."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = start

    def monotonic(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a monotonic clock does not go back")
        self._now += seconds


SYSTEM_CLOCK: Clock = SystemClock()
