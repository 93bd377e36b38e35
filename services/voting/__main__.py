"""Entry point: `python -m services.voting`."""

from agora_kit.runtime import run
from agora_kit.settings import load_settings
from services.voting.app import VotingApp
from services.voting.config import VotingSettings


def main() -> None:
    settings = load_settings(VotingSettings, "voting")
    run(VotingApp(settings), settings)


if __name__ == "__main__":
    main()
