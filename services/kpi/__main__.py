"""`suara-kpi serve | migrate`"""

import sys
from typing import cast

from services.kpi.app import create_app
from services.kpi.migrations import VERSIONS
from services.kpi.settings import KpiSettings
from shared.service_cli import run_service_cli


def main(argv: list[str] | None = None) -> int:
    return run_service_cli(argv, settings_cls=KpiSettings,
                           create_app=lambda s: create_app(cast(KpiSettings, s)),
                           versions_dir=VERSIONS)


if __name__ == "__main__":
    sys.exit(main())
