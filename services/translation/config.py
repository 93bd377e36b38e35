"""Settings of the translation service."""

from __future__ import annotations

from agora_kit.settings import Port, ServiceSettings


class TranslationSettings(ServiceSettings):
    grpc_port: Port = 50054
    metrics_port: Port = 9104
    translation_database: str = "agora_translation"
