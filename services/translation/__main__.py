"""Entry point: `python -m services.translation`. Health and plumbing only until its API lands."""

from agora_kit.runtime import DependenciesOnlyApp, run
from agora_kit.settings import load_settings
from services.translation.config import TranslationSettings


def main() -> None:
    settings = load_settings(TranslationSettings, "translation")
    run(DependenciesOnlyApp("translation", settings.translation_database), settings)


if __name__ == "__main__":
    main()
