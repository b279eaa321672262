"""The complaints service's composition root: `create_app(settings)`.

Everything the service is made of is built here, once, and handed to what needs it: the
runtime (database, bus, relay) with its consumers and background loops, the use cases
(``service/``), registered for the routes (``shared.deps``). Nothing is built at import time,
nothing is looked up by name.
"""

from __future__ import annotations

from fastapi import FastAPI

from services.complaints import catalogue, citizen, endpoints, open311, pages, tasks
from services.complaints.consumers import subscriptions
from services.complaints.errors import MESSAGES
from services.complaints.migrations import VERSIONS
from services.complaints.service import (
    CatalogueService,
    Clock,
    ComplaintService,
    PublicService,
    utc_now,
)
from services.complaints.settings import ComplaintsSettings
from services.complaints.sla import SlaPolicy
from shared.deps import register
from shared.http.browser import CachedStaticFiles
from shared.runtime import ServiceRuntime
from shared.settings import ServiceSettings
from shared.web import build_app

DESCRIPTION = (
    "Citizens' complaints (pengaduan): intake, lifecycle, forwarding between agencies "
    "(disposisi), SLA in Indonesian working days, and Open311 GeoReport v2."
)


def sla_policy(settings: ComplaintsSettings) -> SlaPolicy:
    return SlaPolicy(calendar=settings.working_calendar())


def create_app(settings: ServiceSettings | None = None, *, clock: Clock = utc_now) -> FastAPI:
    if settings is None:
        settings = ComplaintsSettings()
    if not isinstance(settings, ComplaintsSettings):
        raise TypeError("the complaints service needs ComplaintsSettings")
    policy = sla_policy(settings)
    runtime = ServiceRuntime(
        settings, versions_dir=VERSIONS,
        subscriptions=subscriptions(settings=settings, policy=policy),
        tasks=[tasks.sla_scan(settings=settings, policy=policy, clock=clock),
               tasks.answer_purge(settings=settings, clock=clock),
               tasks.contact_retention(settings=settings, clock=clock)])
    catalogue_service = CatalogueService(runtime=runtime, clock=clock)
    runtime.wire(tasks=[tasks.catalogue_announcer(catalogue=catalogue_service)])
    complaints = ComplaintService(runtime=runtime, settings=settings, policy=policy,
                                  catalogue=catalogue_service, clock=clock)
    public = PublicService(runtime=runtime, catalogue=catalogue_service, complaints=complaints,
                           clock=clock)
    app = build_app(runtime, title="Suara complaints", description=DESCRIPTION,
                    routers=[endpoints.router, citizen.router, catalogue.router, open311.router,
                             pages.router],
                    messages=MESSAGES)
    app.mount(pages.STATIC_URL, CachedStaticFiles(directory=pages.STATIC, max_age_s=3600),
              name="lacak-static")
    register(app, catalogue_service, complaints, public)
    return app
