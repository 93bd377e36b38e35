"""Business metrics of the translation service.

`TRANSLATED_CHARACTERS` counts the source characters actually sent to a provider (cache
hits cost nothing), by provider and language pair: the budget is spent on them. The cache
hit ratio is `hit / (hit + miss)` of `CACHE_LOOKUPS`, per segment. The budget (budget.py)
is per consultation and calendar month: `BUDGET_USED_RATIO` is the share spent, which the
chart's `AgoraTranslationBudget` alert watches at 80 %; `QUEUE_LAG` is the age of the
oldest due job (the worker falling behind, or a provider down). `expose_provider`
creates the deployment's series at zero at start-up (empty language labels, which
Prometheus treats as absent), so the budget panel and alert have data before the first
translation.
"""

from prometheus_client import Counter, Gauge, Histogram

TRANSLATIONS = Counter("agora_translations_total", "Translations stored, by kind.", ["kind"])
for _kind in ("machine", "human"):
    TRANSLATIONS.labels(_kind)
TRANSLATED_CHARACTERS = Counter(
    "agora_translation_characters_total", "Source characters sent to machine translation.",
    ["provider", "source", "target"])
BUDGET_CHARACTERS = Gauge(
    "agora_translation_budget_characters",
    "Machine-translation budget of each consultation, source characters per month (0: none).")
BUDGET_USED_RATIO = Gauge(
    "agora_translation_budget_used_ratio",
    "Share of the consultation's monthly machine-translation budget spent this month.",
    ["consultation"])
QUEUE_LAG = Gauge(
    "agora_translation_queue_lag_seconds",
    "How long the oldest due translation job has been waiting (0: none due).")
PARKED_JOBS = Counter(
    "agora_translation_jobs_parked_total",
    "Jobs parked until next month because their consultation's budget is spent.")
CACHE_LOOKUPS = Counter(
    "agora_translation_cache_lookups_total", "Segment cache lookups, by result.", ["result"])
for _result in ("hit", "miss"):
    CACHE_LOOKUPS.labels(_result)
PROVIDER_LATENCY = Histogram(
    "agora_translation_provider_seconds", "One provider call, retries included.",
    ["provider"], buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60))
PROVIDER_ERRORS = Counter(
    "agora_translation_provider_errors_total", "Provider calls that failed, by error type.",
    ["provider", "error"])
BREAKER_OPEN = Gauge(
    "agora_translation_breaker_open",
    "1 while the provider's circuit breaker is open or half-open, 0 when closed.",
    ["provider"])


def breaker_changed(provider: str, state: str) -> None:
    """The resilience layer's state listener."""
    BREAKER_OPEN.labels(provider).set(0 if state == "closed" else 1)


def expose_provider(provider: str) -> None:
    TRANSLATED_CHARACTERS.labels(provider, "", "")
    BREAKER_OPEN.labels(provider).set(0)
