"""Entry point: `python -m services.notifications`."""

from agora_kit.runtime import run
from agora_kit.settings import load_settings
from services.notifications.app import NotificationsApp
from services.notifications.config import NotificationsSettings


def main() -> None:
    settings = load_settings(NotificationsSettings, "notifications")
    run(NotificationsApp(settings), settings)


if __name__ == "__main__":
    main()
