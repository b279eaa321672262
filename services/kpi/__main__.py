"""``suara-kpi serve | migrate | rebuild``"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import cast

from services.kpi.app import create_app
from services.kpi.migrations import VERSIONS
from services.kpi.settings import KpiSettings
from shared.service_cli import Command, run_service_cli
from shared.settings import ServiceSettings


def run_rebuild(settings: ServiceSettings) -> int:
    """Apply the migrations, then replay every topic into fresh tables and swap them in."""
    from services.kpi.rebuild import describe, rebuild
    from shared.service_cli import migrate

    kpi = cast(KpiSettings, settings)
    asyncio.run(migrate(kpi, VERSIONS))
    result = asyncio.run(rebuild(kpi))
    print(json.dumps(describe(result)))
    return 0


COMMANDS = (Command("rebuild", "replay every topic from the beginning into fresh tables and "
                    "swap them in (docs/kpi.md)", run_rebuild),)


def main(argv: list[str] | None = None) -> int:
    return run_service_cli(argv, settings_cls=KpiSettings,
                           create_app=lambda s: create_app(cast(KpiSettings, s)),
                           versions_dir=VERSIONS, commands=COMMANDS)


if __name__ == "__main__":
    sys.exit(main())
