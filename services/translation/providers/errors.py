"""What can go wrong when asking a provider, one type per outcome the caller acts on.

`Transient` failures are retried within a call (resilience.py) and then by the worker
later (jobs.py); `InputRejected` concerns one request only and never opens the breaker;
everything else counts against the provider's circuit breaker.
"""

from __future__ import annotations


class ProviderError(Exception):
    """A provider did not translate; the original text stays readable meanwhile."""

    def __init__(self, provider: str, detail: str) -> None:
        super().__init__(f"{provider}: {detail}")
        self.provider = provider
        self.detail = detail


class Transient(ProviderError):
    """Worth trying again shortly."""


class Unavailable(Transient):
    """A 5xx answer, a refused connection or an answer slower than the timeout."""


class RateLimited(Transient):
    """429: too many requests; `retry_after` is the provider's Retry-After in seconds."""

    def __init__(self, provider: str, detail: str, retry_after: float | None) -> None:
        super().__init__(provider, detail)
        self.retry_after = retry_after


class QuotaExceeded(ProviderError):
    """The account's character quota is spent (DeepL 456, OpenAI insufficient_quota)."""


class Unauthorized(ProviderError):
    """401/403: the key is wrong or revoked, a deployment fault no retry will fix."""


class MalformedResponse(ProviderError):
    """The answer is not the documented shape (not JSON, missing fields, lost markup)."""


class SegmentMismatch(MalformedResponse):
    """The provider returned a different number of segments than it was sent."""

    def __init__(self, provider: str, sent: int, received: int) -> None:
        super().__init__(provider, f"sent {sent} segments, received {received}")
        self.sent = sent
        self.received = received


class InputRejected(ProviderError):
    """The provider refused this request (400, 413): the provider itself is healthy."""


class UnsupportedLanguage(InputRejected):
    """The provider does not translate this language pair."""


class CircuitOpen(ProviderError):
    """The provider kept failing; it is not called until its breaker's reset time."""


class TranslationDisabled(ProviderError):
    """The deployment runs without machine translation (provider `none`)."""
