"""Settings of the translation service."""

from __future__ import annotations

from pydantic import Field

from agora_kit.settings import Port, ServiceSettings


class TranslationSettings(ServiceSettings):
    grpc_port: Port = 50054
    metrics_port: Port = 9104
    translation_database: str = "agora_translation"
    # Machine-translation budget in source characters per rolling 30 days (0: no budget);
    # an alert fires at 80 % (agora_translation_budget_characters).
    translation_budget_characters: int = Field(default=10_000_000, ge=0)
