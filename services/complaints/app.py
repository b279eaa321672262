"""The complaints service's composition root: `create_app(settings)`."""

from fastapi import FastAPI

from services.complaints.consumers import subscriptions
from services.complaints.migrations import VERSIONS
from services.complaints.settings import ComplaintsSettings
from shared.runtime import ServiceRuntime
from shared.web import build_app

DESCRIPTION = (
    "Citizens' complaints (pengaduan): intake, lifecycle, forwarding between agencies "
    "(disposisi), SLA and Open311."
)


def create_app(settings: ComplaintsSettings | None = None) -> FastAPI:
    settings = settings or ComplaintsSettings()
    runtime = ServiceRuntime(settings, versions_dir=VERSIONS, subscriptions=subscriptions())
    return build_app(runtime, title="Suara complaints", description=DESCRIPTION)
