"""Entry point: `python -m services.threads`."""

from agora_kit.runtime import run
from agora_kit.settings import load_settings
from services.threads.app import ThreadsApp
from services.threads.config import ThreadsSettings


def main() -> None:
    settings = load_settings(ThreadsSettings, "threads")
    run(ThreadsApp(settings), settings)


if __name__ == "__main__":
    main()
