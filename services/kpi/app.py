"""The kpi service's composition root: `create_app(settings)`."""

from fastapi import FastAPI

from services.kpi.consumers import subscriptions
from services.kpi.migrations import VERSIONS
from services.kpi.settings import KpiSettings
from shared.runtime import ServiceRuntime
from shared.web import build_app

DESCRIPTION = (
    "Performance indicators computed from the other services' events, and the "
    "transparency dashboard."
)


def create_app(settings: KpiSettings | None = None) -> FastAPI:
    settings = settings or KpiSettings()
    runtime = ServiceRuntime(settings, versions_dir=VERSIONS, subscriptions=subscriptions())
    return build_app(runtime, title="Suara kpi", description=DESCRIPTION)
