"""The complaints service's consumer groups.

``survey.invitation_created``: the surveys service invited the reporter to rate the handling.
Contact data stays with the service that owns it, so this service, not surveys, asks the
notifications service to send the link — only when the reporter left a contact.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.complaints import repository
from services.complaints.mapping import Contact, notification
from shared.consumer import Subscription
from shared.events import CloudEvent, SurveyInvitationCreatedV1
from shared.events.complaints import PrivacyMode
from shared.topics import Topic
from shared.uow import UnitOfWork

if TYPE_CHECKING:
    from services.complaints.service import ComplaintService


def subscriptions(service: ComplaintService) -> list[Subscription]:
    async def invitation_created(uow: UnitOfWork, event: CloudEvent) -> None:
        data: SurveyInvitationCreatedV1 = event.data
        row = await repository.get_complaint(uow.conn, data.complaint_id)
        if row is None or row.privacy == PrivacyMode.ANONYMOUS:
            return  # unknown here (another deployment's complaint) or nobody to tell
        complaint = repository.to_domain(row, service.policy, None)
        message = notification(
            cause_id=event.id, c=complaint,
            contact=Contact(email=row.reporter_email, phone=row.reporter_phone,
                            locale=row.locale),
            template="survey_invitation", occurred_at=data.occurred_at,
            tracking_url=service.settings.public_tracking_url.format(code=row.tracking_code),
            extra={"invitation_url": data.invitation_url,
                   "expires_at": data.expires_at.isoformat()})
        if message is not None:
            uow.publish(message.model_copy(update={"invitation_id": data.invitation_id}))

    return [Subscription(name="survey-invitations", topics=(Topic.SURVEYS,),
                         handlers={SurveyInvitationCreatedV1.event_type: invitation_created})]
