"""Entry point: `python -m services.identity`. Health and plumbing only until its API lands."""

from agora_kit.runtime import DependenciesOnlyApp, run
from agora_kit.settings import load_settings
from services.identity.config import IdentitySettings


def main() -> None:
    settings = load_settings(IdentitySettings, "identity")
    run(DependenciesOnlyApp("identity", settings.identity_database), settings)


if __name__ == "__main__":
    main()
