"""The complaints service's consumer groups: each handler translates an event into a use case
call inside the unit of work the bus gives it (the inbox claim in the same transaction).

``survey-invitations``: ``survey.invitation_created`` -> ``send_survey_invitation``.
``notification-outcomes``: ``notification.failed`` -> ``forget_dead_push_token`` (a push FCM
refused as ``invalid_recipient`` drops the complaint's device token).
``kpi-targets``: ``kpi.target_missed`` -> ``tell_agency_of_missed_target`` (an e-mail to the
agency's notification address).
"""

from __future__ import annotations

from typing import Any

from services.complaints.service.invitations import send_survey_invitation
from services.complaints.service.outcomes import forget_dead_push_token
from services.complaints.service.targets import tell_agency_of_missed_target
from services.complaints.settings import ComplaintsSettings
from services.complaints.sla import SlaPolicy
from shared.consumer import Subscription
from shared.events import (
    CloudEvent,
    KpiTargetMissed,
    NotificationFailed,
    SurveyInvitationCreatedV1,
)
from shared.topics import Topic
from shared.uow import UnitOfWork


def subscriptions(*, settings: ComplaintsSettings, policy: SlaPolicy) -> list[Subscription]:
    async def invitation_created(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
        data: SurveyInvitationCreatedV1 = event.data
        await send_survey_invitation(uow, invitation=data, cause_id=event.id, policy=policy,
                                     phone_channel=settings.phone_channel)

    async def notification_failed(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
        data: NotificationFailed = event.data
        await forget_dead_push_token(uow, failed=data)

    async def target_missed(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
        data: KpiTargetMissed = event.data
        await tell_agency_of_missed_target(uow, missed=data, cause_id=event.id)

    return [Subscription(name="survey-invitations", topics=(Topic.SURVEYS,),
                         handlers={SurveyInvitationCreatedV1.event_type: invitation_created}),
            Subscription(name="notification-outcomes", topics=(Topic.NOTIFICATIONS,),
                         handlers={NotificationFailed.event_type: notification_failed}),
            Subscription(name="kpi-targets", topics=(Topic.KPI,),
                         handlers={KpiTargetMissed.event_type: target_missed})]
