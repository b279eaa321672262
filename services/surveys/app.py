"""The surveys service's composition root: `create_app(settings)`."""

from fastapi import FastAPI

from services.surveys.consumers import subscriptions
from services.surveys.migrations import VERSIONS
from services.surveys.settings import SurveysSettings
from shared.runtime import ServiceRuntime
from shared.web import build_app

DESCRIPTION = (
    "Community satisfaction surveys (SKM) and the satisfaction index (IKM), custom "
    "and post-complaint surveys."
)


def create_app(settings: SurveysSettings | None = None) -> FastAPI:
    settings = settings or SurveysSettings()
    runtime = ServiceRuntime(settings, versions_dir=VERSIONS, subscriptions=subscriptions())
    return build_app(runtime, title="Suara surveys", description=DESCRIPTION)
