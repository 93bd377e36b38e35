"""The deployment's provider, built once from its settings and wrapped in resilience."""

from __future__ import annotations

from services.translation.config import TranslationSettings
from services.translation.metrics import breaker_changed
from services.translation.providers.base import Limits, Provider
from services.translation.providers.deepl import DeepL
from services.translation.providers.libretranslate import LibreTranslate
from services.translation.providers.none import NoProvider
from services.translation.providers.openai_chat import OpenAIChat
from services.translation.providers.resilience import Guarded, StateListener


def raw_provider(settings: TranslationSettings) -> Provider:
    timeout = settings.provider_timeout_seconds
    match settings.translation_provider:
        case "libretranslate":
            assert settings.libretranslate_url  # the settings validator ensured it
            return LibreTranslate(
                settings.libretranslate_url, api_key=settings.libretranslate_api_key,
                limits=Limits(settings.libretranslate_max_segments,
                              settings.libretranslate_max_chars), timeout=timeout)
        case "deepl":
            assert settings.deepl_api_key
            return DeepL(settings.deepl_api_key, url=settings.deepl_url,
                         formality=settings.deepl_formality, timeout=timeout)
        case "openai":
            assert settings.openai_url
            return OpenAIChat(
                settings.openai_url, api_key=settings.openai_api_key,
                model=settings.openai_model,
                limits=Limits(settings.openai_max_segments, settings.openai_max_chars),
                timeout=timeout)
        case _:
            return NoProvider()


def build_provider(settings: TranslationSettings, on_state: StateListener = breaker_changed
                   ) -> Provider:
    """The configured provider; `none` is returned bare, it is never called."""
    inner = raw_provider(settings)
    if isinstance(inner, NoProvider):
        return inner
    return Guarded(inner, attempts=settings.provider_attempts,
                   max_wait=settings.provider_max_wait_seconds,
                   threshold=settings.breaker_threshold,
                   reset_seconds=settings.breaker_reset_seconds, on_state=on_state)
