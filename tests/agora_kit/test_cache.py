"""The bounded cache: least recently used out first, expired by the clock it is given."""

from __future__ import annotations

import pytest

from agora_kit.cache import BoundedCache
from agora_kit.clock import ManualClock


def test_a_full_cache_drops_the_least_recently_used_entry() -> None:
    cache: BoundedCache[str, int] = BoundedCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "a" is now the most recently used
    cache.put("c", 3)
    assert cache.get("b") is None
    assert (cache.get("a"), cache.get("c"), len(cache)) == (1, 3, 2)


def test_an_entry_expires_after_its_time_to_live_on_the_given_clock() -> None:
    clock = ManualClock()
    cache: BoundedCache[str, int] = BoundedCache(10, ttl=1.0, clock=clock)
    cache.put("a", 1)
    clock.advance(0.999)
    assert cache.get("a") == 1
    clock.advance(0.001)
    assert cache.get("a") is None
    assert len(cache) == 0  # an expired entry is gone, not kept
    cache.put("a", 2)  # stored again: a fresh time-to-live
    clock.advance(0.5)
    assert cache.get("a") == 2


def test_pop_and_clear_forget_entries() -> None:
    cache: BoundedCache[str, int] = BoundedCache(10)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.pop("a")
    cache.pop("absent")
    assert (cache.get("a"), cache.get("b")) == (None, 2)
    cache.clear()
    assert len(cache) == 0


def test_nonsense_bounds_are_refused() -> None:
    with pytest.raises(ValueError, match="at least one entry"):
        BoundedCache(0)
    with pytest.raises(ValueError, match="positive"):
        BoundedCache(1, ttl=0)
    with pytest.raises(ValueError, match="does not go back"):
        ManualClock().advance(-1)
