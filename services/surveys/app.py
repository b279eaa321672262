"""The surveys service's composition root: ``create_app(settings)`` builds the runtime, the
one ``SurveyService``, its consumer, its background task and the routers; nothing happens at
import time."""

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from services.surveys import endpoints, endpoints_responses
from services.surveys.consumers import subscriptions
from services.surveys.errors import MESSAGES
from services.surveys.migrations import VERSIONS
from services.surveys.service import Clock, SurveyService, utc_now
from services.surveys.settings import SurveysSettings
from services.surveys.tasks import burst_purge
from shared.deps import register
from shared.runtime import ServiceRuntime
from shared.web import build_app

DESCRIPTION = (
    "Community satisfaction surveys (SKM) and the satisfaction index (IKM), custom "
    "and post-complaint surveys. See docs/surveys.md and docs/ikm.md."
)
#: The invitation page's script and style sheet (``pages``), shipped in the package.
STATIC = Path(__file__).parent / "static"


def create_app(settings: SurveysSettings | None = None, *, clock: Clock = utc_now) -> FastAPI:
    settings = settings or SurveysSettings()
    runtime = ServiceRuntime(settings, versions_dir=VERSIONS,
                             subscriptions=subscriptions(settings=settings, clock=clock),
                             tasks=[burst_purge(settings=settings, clock=clock)])
    service = SurveyService(runtime, settings, clock=clock)
    app = build_app(runtime, title="Suara surveys", description=DESCRIPTION,
                    routers=[endpoints.router, endpoints_responses.router],
                    messages=MESSAGES)
    register(app, service)
    app.mount("/static/surveys", StaticFiles(directory=STATIC), name="surveys-static")
    return app
