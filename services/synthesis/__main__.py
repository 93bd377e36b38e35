"""Entry point: `python -m services.synthesis`."""

from agora_kit.runtime import run
from agora_kit.settings import load_settings
from services.synthesis.app import SynthesisApp
from services.synthesis.config import SynthesisSettings


def main() -> None:
    settings = load_settings(SynthesisSettings, "synthesis")
    run(SynthesisApp(settings), settings)


if __name__ == "__main__":
    main()
