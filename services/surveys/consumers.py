"""The surveys service's consumer groups: what it reads and the handler for each event type.

``complaint.resolved.v1`` creates the complaint's one-time survey invitation and publishes
``survey.invitation_created.v1`` (see ``invitations``).
"""

from __future__ import annotations

from services.surveys.invitations import on_complaint_resolved
from services.surveys.settings import SurveysSettings
from shared.consumer import Subscription
from shared.events import CloudEvent, ComplaintResolved
from shared.topics import Topic
from shared.uow import UnitOfWork


def subscriptions(settings: SurveysSettings) -> list[Subscription]:
    async def complaint_resolved(uow: UnitOfWork, event: CloudEvent) -> None:
        await on_complaint_resolved(uow, event, settings)

    return [Subscription(name="invitations", topics=(Topic.COMPLAINTS,),
                         handlers={ComplaintResolved.event_type: complaint_resolved})]
