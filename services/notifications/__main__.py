"""`suara-notifications serve | migrate`"""

import sys
from typing import cast

from services.notifications.app import create_app
from services.notifications.migrations import VERSIONS
from services.notifications.settings import NotificationsSettings
from shared.service_cli import run_service_cli


def main(argv: list[str] | None = None) -> int:
    return run_service_cli(argv, settings_cls=NotificationsSettings,
                           create_app=lambda s: create_app(cast(NotificationsSettings, s)),
                           versions_dir=VERSIONS)


if __name__ == "__main__":
    sys.exit(main())
