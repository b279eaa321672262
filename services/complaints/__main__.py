"""`suara-complaints serve | migrate`"""

import sys

from services.complaints.app import create_app
from services.complaints.migrations import VERSIONS
from services.complaints.settings import ComplaintsSettings
from shared.service_cli import run_service_cli


def main(argv: list[str] | None = None) -> int:
    return run_service_cli(argv, settings_cls=ComplaintsSettings, create_app=create_app,
                           versions_dir=VERSIONS)


if __name__ == "__main__":
    sys.exit(main())
