"""The kpi service's consumer group: every topic it projects and the handler per event type.

One group, ``projection``, reads ``suara.complaints`` (complaint and catalogue events),
``suara.surveys`` (responses, bursts excluded or counted again) and ``suara.notifications``
(delivery outcomes). The handler only hands the event to ``KpiService.project`` inside the
unit of work the bus opened (the inbox claim is in the same transaction).
"""

from __future__ import annotations

from services.kpi.service import KpiService
from shared.consumer import EventHandler, Subscription
from shared.events import (
    AgencyChanged,
    AgencyCreated,
    AnyEvent,
    CategoryChanged,
    CategoryCreated,
    ComplaintClosed,
    ComplaintFiled,
    ComplaintForwarded,
    ComplaintRated,
    ComplaintRejected,
    ComplaintReopened,
    ComplaintResolved,
    ComplaintResponded,
    ComplaintSlaBreached,
    ComplaintSlaWarning,
    ComplaintVerified,
    EventPayload,
    NotificationDelivered,
    NotificationFailed,
    SurveyBurstExcluded,
    SurveyBurstIncluded,
    SurveyResponseRecorded,
)
from shared.topics import Topic
from shared.uow import UnitOfWork

#: The event types the projection folds (complaint.status_changed adds nothing to it).
PROJECTED: tuple[type[EventPayload], ...] = (
    ComplaintFiled, ComplaintVerified, ComplaintRejected, ComplaintForwarded, ComplaintResponded,
    ComplaintResolved, ComplaintReopened, ComplaintClosed, ComplaintRated, ComplaintSlaWarning,
    ComplaintSlaBreached, AgencyCreated, AgencyChanged, CategoryCreated, CategoryChanged,
    SurveyResponseRecorded, SurveyBurstExcluded, SurveyBurstIncluded, NotificationDelivered,
    NotificationFailed,
)
TOPICS: tuple[Topic, ...] = (Topic.COMPLAINTS, Topic.SURVEYS, Topic.NOTIFICATIONS)
GROUP = "projection"


def subscriptions(service: KpiService) -> list[Subscription]:
    async def project(uow: UnitOfWork, event: AnyEvent) -> None:
        await service.project(uow, event)

    handlers: dict[str, EventHandler] = {p.event_type: project for p in PROJECTED}
    return [Subscription(name=GROUP, topics=TOPICS, handlers=handlers)]
