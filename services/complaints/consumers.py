"""The complaints service's consumer groups: each handler translates an event into a use case
call inside the unit of work the bus gives it (the inbox claim in the same transaction).

``survey-invitations``: ``survey.invitation_created`` -> ``send_survey_invitation``.
"""

from __future__ import annotations

from typing import Any

from services.complaints.service.invitations import send_survey_invitation
from services.complaints.settings import ComplaintsSettings
from services.complaints.sla import SlaPolicy
from shared.consumer import Subscription
from shared.events import CloudEvent, SurveyInvitationCreatedV1
from shared.topics import Topic
from shared.uow import UnitOfWork


def subscriptions(*, settings: ComplaintsSettings, policy: SlaPolicy) -> list[Subscription]:
    async def invitation_created(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
        data: SurveyInvitationCreatedV1 = event.data
        await send_survey_invitation(uow, invitation=data, cause_id=event.id, policy=policy)

    return [Subscription(name="survey-invitations", topics=(Topic.SURVEYS,),
                         handlers={SurveyInvitationCreatedV1.event_type: invitation_created})]
