"""Retries with backoff (tenacity) and a circuit breaker (purgatory) around a provider.

Each attempt passes through the provider's breaker, so a provider that keeps failing is
left alone for `reset_seconds` and then tried again (half-open) by itself. Transient
failures are retried with jittered exponential backoff; a 429's Retry-After is honoured
when it is short, and handed up (as `RateLimited`) when it is longer than a call should
wait, so the worker retries that job later instead of holding the others.
"""

from __future__ import annotations

from collections.abc import Callable

from purgatory import AsyncCircuitBreakerFactory
from purgatory.domain.messages.base import Event
from purgatory.domain.model import OpenedState
from tenacity import AsyncRetrying, RetryCallState, stop_after_attempt, wait_exponential_jitter

from services.translation.providers.base import Glossary, Limits, Provider
from services.translation.providers.errors import (
    CircuitOpen,
    InputRejected,
    RateLimited,
    Transient,
)

StateListener = Callable[[str, str], None]


class Guarded:
    """A provider with retries and a breaker; the same interface as the one it wraps."""

    def __init__(self, inner: Provider, *, attempts: int, max_wait: float,
                 threshold: int, reset_seconds: float, initial_wait: float = 0.5,
                 on_state: StateListener | None = None) -> None:
        self.name = inner.name
        self.limits: Limits = inner.limits
        self._inner = inner
        self._attempts = attempts
        self._max_wait = max_wait
        self._backoff = wait_exponential_jitter(
            multiplier=initial_wait, max=max_wait, jitter=initial_wait)
        self._breakers = AsyncCircuitBreakerFactory(
            default_threshold=threshold, default_ttl=reset_seconds, exclude=[InputRejected])
        if on_state is not None:
            listener = on_state

            def hook(name: str, kind: str, event: Event) -> None:
                state = getattr(event, "state", None)
                if kind == "state_changed" and isinstance(state, str):
                    listener(name, state)

            self._breakers.add_listener(hook)

    def _wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, RateLimited) and error.retry_after is not None:
            return error.retry_after
        return float(self._backoff(state))

    def _retryable(self, state: RetryCallState) -> bool:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, RateLimited) and error.retry_after is not None:
            return error.retry_after <= self._max_wait
        return isinstance(error, Transient)

    async def translate(
        self, texts: list[str], source: str, target: str, glossary: Glossary
    ) -> list[str]:
        async for attempt in AsyncRetrying(stop=stop_after_attempt(self._attempts),
                                           wait=self._wait, retry=self._retryable,
                                           reraise=True):
            with attempt:
                return await self._once(texts, source, target, glossary)
        raise AssertionError("unreachable: tenacity reraises the last error")

    async def _once(self, texts: list[str], source: str, target: str,
                    glossary: Glossary) -> list[str]:
        try:
            breaker = await self._breakers.get_breaker(self.name)
            async with breaker:
                return await self._inner.translate(texts, source, target, glossary)
        except OpenedState as exc:
            raise CircuitOpen(self.name, "the circuit breaker is open") from exc

    async def state(self) -> str:
        """closed, opened or half-opened."""
        return (await self._breakers.get_breaker(self.name)).context.state

    async def aclose(self) -> None:
        await self._inner.aclose()
