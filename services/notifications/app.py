"""The notifications service's composition root: `create_app(settings)`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from fastapi import FastAPI

from services.notifications import endpoints, public
from services.notifications.channels.base import Channel
from services.notifications.channels.email import EmailChannel
from services.notifications.channels.gateway import GatewayChannel
from services.notifications.channels.push import PushChannel
from services.notifications.consumers import subscriptions, webhook_event_types
from services.notifications.errors import MESSAGES
from services.notifications.keys import Keys
from services.notifications.migrations import VERSIONS
from services.notifications.rendering import Renderer
from services.notifications.service.messages import MessageService
from services.notifications.service.webhooks import WebhookService
from services.notifications.settings import NotificationsSettings
from services.notifications.tasks import message_sender, purges, webhook_dispatcher
from shared.deps import register
from shared.runtime import ServiceRuntime
from shared.web import build_app

DESCRIPTION = (
    "Messages to citizens and officers (e-mail, SMS, WhatsApp, push) in their language, and "
    "signed webhooks (Standard Webhooks) to other agencies."
)


def default_channels(settings: NotificationsSettings) -> dict[str, Channel]:
    """The providers; without a WhatsApp gateway URL there is no WhatsApp channel, and a
    request for it goes straight to its fallback (a missing channel refuses for good, it is
    not retried for hours as an unreachable gateway would be)."""
    channels: dict[str, Channel] = {
        "email": EmailChannel(settings),
        "sms": GatewayChannel("sms", style=settings.sms_gateway_style,
                              url=settings.sms_gateway_url, settings=settings),
        "push": PushChannel(settings),
    }
    if settings.whatsapp_gateway_url:
        channels["whatsapp"] = GatewayChannel(
            "whatsapp", style=settings.whatsapp_gateway_style,
            url=settings.whatsapp_gateway_url, settings=settings)
    return channels


def create_app(settings: NotificationsSettings | None = None, *,
               channels: Mapping[str, Channel] | None = None,
               clock: Callable[[], datetime] | None = None) -> FastAPI:
    settings = settings or NotificationsSettings()
    now = clock or (lambda: datetime.now(UTC))
    runtime = ServiceRuntime(settings, versions_dir=VERSIONS)
    keys = Keys(settings.secret_key.get_secret_value())
    used = dict(channels) if channels is not None else default_channels(settings)
    messages = MessageService(runtime=runtime, settings=settings, channels=used,
                              renderer=Renderer(), keys=keys, clock=now)
    webhooks = WebhookService(runtime=runtime, settings=settings, keys=keys,
                              catalogue=webhook_event_types(), clock=now)
    runtime.wire(subscriptions=subscriptions(messages, webhooks),
                 tasks=[message_sender(messages), webhook_dispatcher(webhooks),
                        purges(messages, webhooks)])
    app = build_app(runtime, title="Suara notifications", description=DESCRIPTION,
                    routers=[endpoints.router, public.router], messages=MESSAGES)
    register(app, messages, webhooks)
    return app
