"""Small segments travel together: one provider call carries as many as its limits allow."""

from __future__ import annotations

from collections.abc import Iterator

from services.translation.providers.base import Limits


def batches(segments: list[str], limits: Limits) -> Iterator[list[str]]:
    """Consecutive groups within `max_segments` and `max_chars` (a single segment over
    `max_chars` cannot occur: the splitter cut it to the limit)."""
    batch: list[str] = []
    size = 0
    for segment in segments:
        if batch and (len(batch) >= limits.max_segments
                      or size + len(segment) > limits.max_chars):
            yield batch
            batch, size = [], 0
        batch.append(segment)
        size += len(segment)
    if batch:
        yield batch
