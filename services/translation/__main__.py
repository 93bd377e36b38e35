"""Entry point: `python -m services.translation`. Health and plumbing only until its API lands."""

from agora_kit.runtime import DependenciesOnlyApp, run
from agora_kit.settings import load_settings
from services.translation.config import TranslationSettings
from services.translation.metrics import BUDGET_CHARACTERS, expose_provider


def main() -> None:
    settings = load_settings(TranslationSettings, "translation")
    BUDGET_CHARACTERS.set(settings.translation_budget_characters)
    expose_provider(settings.translation_provider)
    run(DependenciesOnlyApp("translation", settings.translation_database), settings)


if __name__ == "__main__":
    main()
