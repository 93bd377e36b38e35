"""Settings of the translation service."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from agora_kit.settings import Port, ServiceSettings

ProviderName = Literal["none", "libretranslate", "deepl", "openai"]


class TranslationSettings(ServiceSettings):
    grpc_port: Port = 50054
    metrics_port: Port = 9104
    translation_database: str = "agora_translation"
    # Each consultation's machine-translation budget in source characters sent per calendar
    # month (0: no budget); beyond it jobs are parked until the next month, and an alert
    # fires at 80 % (agora_translation_budget_used_ratio).
    translation_monthly_character_budget: int = Field(default=2_000_000, ge=0)
    # Threads owns consultations: asked for their languages.
    threads_addr: str = "127.0.0.1:50052"

    # Which machine translation this deployment uses (README "Translation providers").
    translation_provider: ProviderName = "none"
    libretranslate_url: str | None = None
    libretranslate_api_key: str | None = None
    # The LibreTranslate server's own --char-limit and --batch-limit.
    libretranslate_max_chars: int = Field(default=5_000, ge=100)
    libretranslate_max_segments: int = Field(default=50, ge=1)
    deepl_api_key: str | None = None
    # Empty: api-free.deepl.com for a key ending in ":fx", api.deepl.com otherwise.
    deepl_url: str | None = None
    deepl_formality: Literal["default", "more", "less", "prefer_more", "prefer_less"] = (
        "default")
    # The base URL up to and including /v1 (e.g. http://ollama:11434/v1).
    openai_url: str | None = None
    openai_api_key: str | None = None
    openai_model: str = "gpt-4o-mini"
    openai_max_chars: int = Field(default=4_000, ge=100)
    openai_max_segments: int = Field(default=20, ge=1)

    provider_timeout_seconds: float = Field(default=20.0, gt=0, le=300)
    provider_attempts: int = Field(default=4, ge=1, le=10)
    # A Retry-After longer than this is not waited for inside a call: the job waits it.
    provider_max_wait_seconds: float = Field(default=30.0, gt=0, le=600)
    breaker_threshold: int = Field(default=5, ge=1)
    breaker_reset_seconds: float = Field(default=30.0, gt=0, le=3600)

    @model_validator(mode="after")
    def _provider_configured(self) -> TranslationSettings:
        needs = {"libretranslate": ("libretranslate_url",), "deepl": ("deepl_api_key",),
                 "openai": ("openai_url",)}.get(self.translation_provider, ())
        missing = [name.upper() for name in needs if not getattr(self, name)]
        if missing:
            raise ValueError(f"TRANSLATION_PROVIDER={self.translation_provider} needs "
                             + ", ".join(missing))
        return self
