"""The complaints service's composition root: `create_app(settings)`."""

from fastapi import FastAPI

from services.complaints import catalogue, citizen, endpoints, open311
from services.complaints.consumers import subscriptions
from services.complaints.housekeeping import idempotency_purge
from services.complaints.migrations import VERSIONS
from services.complaints.scheduler import sla_scheduler
from services.complaints.service import ComplaintService
from services.complaints.settings import ComplaintsSettings
from services.complaints.sla import SlaPolicy
from shared.runtime import ServiceRuntime
from shared.web import build_app

DESCRIPTION = (
    "Citizens' complaints (pengaduan): intake, lifecycle, forwarding between agencies "
    "(disposisi), SLA in Indonesian working days, and Open311 GeoReport v2."
)


def sla_policy(settings: ComplaintsSettings) -> SlaPolicy:
    return SlaPolicy(calendar=settings.working_calendar())


def create_app(settings: ComplaintsSettings | None = None) -> FastAPI:
    settings = settings or ComplaintsSettings()
    runtime = ServiceRuntime(settings, versions_dir=VERSIONS,
                             tasks=[sla_scheduler, idempotency_purge])
    service = ComplaintService(runtime, settings, sla_policy(settings))
    runtime.subscriptions = tuple(subscriptions(service))
    app = build_app(runtime, title="Suara complaints", description=DESCRIPTION,
                    routers=[endpoints.router, citizen.router, catalogue.router, open311.router])
    app.state.complaints = service
    runtime.state["complaints"] = service
    return app
