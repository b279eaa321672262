"""The kpi service's composition root: ``create_app(settings)``.

Builds the runtime (engine, bus, relay, the projection's consumer group, the period-close
task), the one ``KpiService`` every route, handler and task uses, and the routers: the
supervisor API, the public API, the dashboard and the report."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from services.kpi import dashboard, endpoints, public, report_routes
from services.kpi.consumers import subscriptions
from services.kpi.errors import MESSAGES
from services.kpi.migrations import VERSIONS
from services.kpi.service import KpiService
from services.kpi.service.targets import TargetService
from services.kpi.settings import KpiSettings
from services.kpi.tasks import period_close_task
from shared.deps import register
from shared.runtime import ServiceRuntime
from shared.web import build_app

DESCRIPTION = (
    "Performance indicators computed from the other services' events, targets and scores, the "
    "public transparency dashboard (/dashboard) and the evaluation report. See docs/kpi.md."
)
STATIC = Path(__file__).parent / "static"


def create_app(settings: KpiSettings | None = None, *,
               clock: Callable[[], datetime] | None = None) -> FastAPI:
    settings = settings or KpiSettings()
    runtime = ServiceRuntime(settings, versions_dir=VERSIONS)
    service = KpiService(runtime=runtime, settings=settings, clock=clock)
    runtime.wire(subscriptions=subscriptions(service), tasks=[period_close_task(service)])
    app = build_app(runtime, title="Suara kpi", description=DESCRIPTION,
                    routers=[endpoints.router, public.router, report_routes.router,
                             dashboard.router], messages=MESSAGES)
    register(app, service, TargetService(kpi=service))
    app.mount("/static/kpi", StaticFiles(directory=STATIC), name="kpi-static")
    return app
