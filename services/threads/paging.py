"""Bounded page sizes: no request reads more than MAX_PAGE_SIZE documents."""

from __future__ import annotations

from agora_kit.errors import InvalidArgument
from services.threads.store import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE


def page_size(requested: int) -> int:
    if requested < 0 or requested > MAX_PAGE_SIZE:
        raise InvalidArgument(f"page size must be between 1 and {MAX_PAGE_SIZE}", field="page_size")
    return requested or DEFAULT_PAGE_SIZE
