"""Entry point: `python -m services.voting`. Health and plumbing only until its API lands."""

from agora_kit.runtime import DependenciesOnlyApp, run
from agora_kit.settings import load_settings
from services.voting.config import VotingSettings


def main() -> None:
    settings = load_settings(VotingSettings, "voting")
    run(DependenciesOnlyApp("voting", settings.voting_database), settings)


if __name__ == "__main__":
    main()
