"""The surveys service's consumer groups: what it reads and the handler for each event type.

``complaint.resolved.v1`` creates the complaint's one-time survey invitation and publishes
``survey.invitation_created.v2`` (``service.invitations.invite_after_resolution``), in the
unit of work the bus opened for the event: the inbox claim and the invitation commit
together. ``agency.created`` / ``agency.changed`` (consumer group
``suara-surveys.catalogue``) keep the agencies' names the printed reports show.
"""

from __future__ import annotations

from services.surveys.service import Clock
from services.surveys.service.catalogue import keep_agency
from services.surveys.service.invitations import invite_after_resolution
from services.surveys.settings import SurveysSettings
from shared.consumer import Subscription
from shared.events import AgencyChanged, AgencyCreated, AnyEvent, ComplaintResolved
from shared.topics import Topic
from shared.uow import UnitOfWork


def subscriptions(*, settings: SurveysSettings, clock: Clock) -> list[Subscription]:
    async def complaint_resolved(uow: UnitOfWork, event: AnyEvent) -> None:
        data = event.data
        assert isinstance(data, ComplaintResolved)
        await invite_after_resolution(uow, settings=settings, now=clock(), resolved=data)

    async def agency(uow: UnitOfWork, event: AnyEvent) -> None:
        data = event.data
        assert isinstance(data, AgencyCreated | AgencyChanged)
        await keep_agency(uow, agency=data)

    return [Subscription(name="invitations", topics=(Topic.COMPLAINTS,),
                         handlers={ComplaintResolved.event_type: complaint_resolved}),
            Subscription(name="catalogue", topics=(Topic.COMPLAINTS,),
                         handlers={AgencyCreated.event_type: agency,
                                   AgencyChanged.event_type: agency})]
