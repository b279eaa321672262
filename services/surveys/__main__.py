"""`suara-surveys serve | migrate`"""

import sys

from fastapi import FastAPI

from services.surveys.app import create_app
from services.surveys.migrations import VERSIONS
from services.surveys.settings import SurveysSettings
from shared.service_cli import run_service_cli
from shared.settings import ServiceSettings


def _app(settings: ServiceSettings) -> FastAPI:
    assert isinstance(settings, SurveysSettings)
    return create_app(settings)


def main(argv: list[str] | None = None) -> int:
    return run_service_cli(argv, settings_cls=SurveysSettings, create_app=_app,
                           versions_dir=VERSIONS)


if __name__ == "__main__":
    sys.exit(main())
