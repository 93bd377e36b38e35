"""Pages of a list whose items the caller may not all see, filtered where the cursor is
built.

A service pages a list in id order without knowing who asks (consultations: threads
holds them, identity decides who enters each). Filtering a service page after the fact
would give short or empty pages whose cursor still points further, so this walks the
service's pages until it has `limit` items the caller may see, and builds the cursor
from the last item it returns: the next page resumes right after it. It also looks one
admitted item ahead, so a cursor is given only when another page really follows.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from agora_kit.ids import encode_cursor

T = TypeVar("T")
Fetch = Callable[[str], Awaitable[tuple[list[T], str]]]  # cursor -> items, next cursor


async def visible_page(fetch: Fetch[T], keep: Callable[[T], Awaitable[bool]],
                       id_of: Callable[[T], str], *, limit: int,
                       cursor: str) -> tuple[list[T], str | None]:
    """Up to `limit` items after `cursor` that `keep` admits, and the next cursor (None
    when no admitted item follows)."""
    kept: list[T] = []
    while True:
        items, following = await fetch(cursor)
        for item in items:
            if not await keep(item):
                continue
            if len(kept) == limit:  # one more exists: the page is full and not the last
                return kept, encode_cursor(id_of(kept[-1]))
            kept.append(item)
        if not following:
            return kept, None
        cursor = following
