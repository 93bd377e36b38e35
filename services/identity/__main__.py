"""Entry point: `python -m services.identity`."""

from agora_kit.runtime import run
from agora_kit.settings import load_settings
from services.identity.app import IdentityApp
from services.identity.config import IdentitySettings


def main() -> None:
    settings = load_settings(IdentitySettings, "identity")
    run(IdentityApp(settings), settings)


if __name__ == "__main__":
    main()
