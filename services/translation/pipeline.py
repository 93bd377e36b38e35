"""From texts to their translations: protect, split, look up, batch, call, restore.

Segments are the unit of work and of the cache, so a paragraph repeated across posts, or
an unchanged paragraph of an edited post, is never sent twice; a segment's cache entry
carries the version of the glossary terms it contains (terms.py), so a new glossary
version costs only the segments whose terms changed. A provider error leaves
nothing half-done: segments already translated are cached (they are correct on their
own), and the caller gets the error and retries later, serving the original meanwhile.
"""

from __future__ import annotations

import asyncio
import time

from services.translation.batching import batches
from services.translation.cache import SegmentCache, cache_key
from services.translation.metrics import (
    CACHE_LOOKUPS,
    PROVIDER_ERRORS,
    PROVIDER_LATENCY,
    TRANSLATED_CHARACTERS,
)
from services.translation.protect import PLACEHOLDER, protect, translatable
from services.translation.providers.base import Glossary, Provider
from services.translation.providers.errors import MalformedResponse, ProviderError
from services.translation.segments import split
from services.translation.terms import segment_version


def _core(segment: str) -> tuple[str, str, str]:
    """Leading whitespace, the part sent, trailing whitespace (providers trim)."""
    core = segment.strip()
    if not core:
        return segment, "", ""
    start = segment.index(core)
    return segment[:start], core, segment[start + len(core):]


class Pipeline:
    def __init__(self, provider: Provider, cache: SegmentCache, *, concurrency: int = 4
                 ) -> None:
        self._provider = provider
        self._cache = cache
        self._calls = asyncio.Semaphore(concurrency)

    @property
    def provider(self) -> str:
        return self._provider.name

    async def translate(self, texts: list[str], *, source: str, target: str,
                        glossary: Glossary) -> list[str]:
        """One translation per text, or a `ProviderError` (nothing returned in part)."""
        translated, _ = await self.translate_counted(texts, source=source, target=target,
                                                     glossary=glossary)
        return translated

    async def translate_counted(self, texts: list[str], *, source: str, target: str,
                                glossary: Glossary) -> tuple[list[str], list[int]]:
        """The translations, and the characters sent to the provider for each text (a
        segment several texts share is charged to the first; cache hits cost nothing)."""
        if source == target:
            return list(texts), [0] * len(texts)
        protected = [protect(text) for text in texts]
        splits = [split(item.text, self._provider.limits.max_chars) for item in protected]
        owner: dict[str, int] = {}
        for index, cut in enumerate(splits):
            for segment in cut.segments:
                if translatable(segment):
                    owner.setdefault(_core(segment)[1], index)
        wanted = list(owner)
        keys = {core: cache_key(core, source=source, target=target,
                                provider=self._provider.name,
                                glossary_version=segment_version(glossary, core))
                for core in wanted}
        done = {core: text for core, text in zip(
            wanted, await self._lookup([keys[core] for core in wanted]), strict=True)
            if text is not None}
        missing = [core for core in wanted if core not in done]
        CACHE_LOOKUPS.labels("hit").inc(len(done))
        CACHE_LOOKUPS.labels("miss").inc(len(missing))
        try:
            async with asyncio.TaskGroup() as group:
                calls = [group.create_task(self._call(batch, source, target, glossary, keys))
                         for batch in batches(missing, self._provider.limits)]
        except* ProviderError as failed:  # the first; the others were cancelled
            raise failed.exceptions[0] from None
        for call in calls:
            done.update(call.result())
        charged = [0] * len(texts)
        for core in missing:
            charged[owner[core]] += len(core)
        return [item.restore(cut.join([self._rejoin(segment, done) for segment in cut.segments]),
                             provider=self._provider.name)
                for item, cut in zip(protected, splits, strict=True)], charged

    async def _lookup(self, keys: list[str]) -> list[str | None]:
        found = await self._cache.get(keys)
        return [found.get(key) for key in keys]

    @staticmethod
    def _rejoin(segment: str, done: dict[str, str]) -> str:
        if not translatable(segment):
            return segment
        lead, core, trail = _core(segment)
        return lead + done[core] + trail

    async def _call(self, batch: list[str], source: str, target: str, glossary: Glossary,
                    keys: dict[str, str]) -> dict[str, str]:
        name = self._provider.name
        async with self._calls:
            started = time.monotonic()
            try:
                translated = await self._provider.translate(batch, source, target, glossary)
                for sent, received in zip(batch, translated, strict=True):
                    if sorted(PLACEHOLDER.findall(sent)) != sorted(
                            PLACEHOLDER.findall(received)):
                        raise MalformedResponse(name, "a protected span was lost or altered")
            except ProviderError as exc:
                PROVIDER_ERRORS.labels(name, type(exc).__name__).inc()
                raise
            finally:
                PROVIDER_LATENCY.labels(name).observe(time.monotonic() - started)
        TRANSLATED_CHARACTERS.labels(name, source, target).inc(sum(map(len, batch)))
        fresh = dict(zip(batch, translated, strict=True))
        await self._cache.put({keys[core]: text for core, text in fresh.items()})
        return fresh
