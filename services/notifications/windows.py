"""Digest windows: a daily window is `digest_day_seconds` long (a UTC day in production),
a weekly one seven of them; a window is named by its index since the epoch."""

from __future__ import annotations

from datetime import UTC, datetime


class Windows:
    def __init__(self, day_seconds: float) -> None:
        self._length = {"daily": day_seconds, "weekly": 7 * day_seconds}

    def of(self, cadence: str, at: datetime) -> int:
        return int(at.timestamp() // self._length[cadence])

    def start(self, cadence: str, window: int) -> datetime:
        return datetime.fromtimestamp(window * self._length[cadence], UTC)
