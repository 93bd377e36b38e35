"""The one in-process cache: bounded in size (least recently used out first) and, if
given a time-to-live, in age.

Every copy a service keeps in memory (a session's configuration, a consultation's
phases, live results, a signing key) goes through it, so each is bounded the same way
and expires on the same replaceable clock (`agora_kit.clock`): no hand-made eviction,
no dict that grows with every consultation ever seen.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

from agora_kit.clock import SYSTEM_CLOCK, Clock

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class BoundedCache(Generic[K, V]):
    """At most `max_entries` values, each for at most `ttl` seconds (None: no expiry)."""

    def __init__(self, max_entries: int, *, ttl: float | None = None,
                 clock: Clock = SYSTEM_CLOCK) -> None:
        if max_entries < 1:
            raise ValueError("a cache holds at least one entry")
        if ttl is not None and ttl <= 0:
            raise ValueError("a time-to-live is positive")
        self.max_entries = max_entries
        self.ttl = ttl
        self._clock = clock
        self._entries: OrderedDict[K, tuple[float, V]] = OrderedDict()

    def get(self, key: K) -> V | None:
        """The value if present and not expired (and now the most recently used)."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        stored_at, value = entry
        if self.ttl is not None and self._clock.monotonic() - stored_at >= self.ttl:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        """Store the value as of now, evicting the least recently used one when full."""
        self._entries[key] = (self._clock.monotonic(), value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def pop(self, key: K) -> None:
        """Forget the key (nothing if absent)."""
        self._entries.pop(key, None)

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
