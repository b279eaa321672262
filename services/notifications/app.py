"""The notifications service's composition root: `create_app(settings)`."""

from fastapi import FastAPI

from services.notifications.consumers import subscriptions
from services.notifications.migrations import VERSIONS
from services.notifications.settings import NotificationsSettings
from shared.runtime import ServiceRuntime
from shared.web import build_app

DESCRIPTION = (
    "Messages to citizens and officers (e-mail, SMS, push) and signed webhooks to "
    "other agencies."
)


def create_app(settings: NotificationsSettings | None = None) -> FastAPI:
    settings = settings or NotificationsSettings()
    runtime = ServiceRuntime(settings, versions_dir=VERSIONS, subscriptions=subscriptions())
    return build_app(runtime, title="Suara notifications", description=DESCRIPTION)
