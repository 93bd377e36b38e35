"""Entry point: `python -m services.translation`."""

from agora_kit.runtime import run
from agora_kit.settings import load_settings
from services.translation.app import TranslationApp
from services.translation.config import TranslationSettings
from services.translation.metrics import BUDGET_CHARACTERS, expose_provider


def main() -> None:
    settings = load_settings(TranslationSettings, "translation")
    BUDGET_CHARACTERS.set(settings.translation_monthly_character_budget)
    expose_provider(settings.translation_provider)
    run(TranslationApp(settings), settings)


if __name__ == "__main__":
    main()
