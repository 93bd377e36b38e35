"""The current time at MongoDB's precision (milliseconds), so what a create returns
equals what a later read returns."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    current = datetime.now(UTC)
    return current.replace(microsecond=current.microsecond // 1000 * 1000)
