"""The notifications service's consumer groups.

- ``requests`` reads ``suara.notification-requests`` (the restricted topic: only this service
  reads it) and stores each message in the transaction of its inbox claim.
- ``webhooks`` reads ``suara.complaints``, ``suara.surveys`` and ``suara.kpi`` (never the
  restricted topic), keeps the complaints' disposisi chains and queues one webhook message per
  matching endpoint of every agency concerned.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.consumer import EventHandler, Subscription
from shared.events import AnyEvent, NotificationRequested, registered_types
from shared.topics import Topic
from shared.uow import UnitOfWork

if TYPE_CHECKING:
    from services.notifications.service.messages import MessageService
    from services.notifications.service.webhooks import WebhookService

WEBHOOK_TOPICS = (Topic.COMPLAINTS, Topic.SURVEYS, Topic.KPI)


def webhook_event_types() -> list[str]:
    """Every event type an endpoint may subscribe to: those of the public topics."""
    return sorted(t for t, cls in registered_types().items() if cls.topic in WEBHOOK_TOPICS)


def subscriptions(messages: MessageService, webhooks: WebhookService) -> list[Subscription]:
    async def requested(uow: UnitOfWork, event: AnyEvent) -> None:
        data: NotificationRequested = event.data
        await messages.accept(uow, data)

    async def fan_out(uow: UnitOfWork, event: AnyEvent) -> None:
        await webhooks.fan_out(uow, event)

    handlers: dict[str, EventHandler] = {t: fan_out for t in webhook_event_types()}
    return [
        Subscription(name="requests", topics=(Topic.NOTIFICATION_REQUESTS,),
                     handlers={NotificationRequested.event_type: requested}),
        Subscription(name="webhooks", topics=WEBHOOK_TOPICS, handlers=handlers),
    ]
