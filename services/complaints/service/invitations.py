"""The surveys service invited a complaint's reporter to rate its handling: contact data
stays with the service that owns it, so this one, not surveys, asks the notifications service
to send the link, and only when the reporter left a contact. Runs in the consumer's unit of
work (the inbox claim and the request are one transaction)."""

from __future__ import annotations

from services.complaints import repository
from services.complaints.mapping import Contact, PhoneChannel, notification
from services.complaints.sla import SlaPolicy
from shared.events import SurveyInvitationCreatedV1
from shared.events.complaints import PrivacyMode
from shared.uow import UnitOfWork


async def send_survey_invitation(uow: UnitOfWork, *, invitation: SurveyInvitationCreatedV1,
                                 cause_id: str, policy: SlaPolicy,
                                 phone_channel: PhoneChannel = "whatsapp") -> bool:
    """Ask for the invitation to be sent to the reporter; False when there is nobody to tell
    (an anonymous report, no contact) or the complaint is unknown here."""
    record = await repository.get_complaint(uow.conn, invitation.complaint_id)
    if (record is None or record.privacy == PrivacyMode.ANONYMOUS
            or record.contact_erased_at is not None):
        return False  # unknown here (another deployment's complaint) or nobody to tell
    complaint = repository.to_domain(record, policy, None)
    message = notification(
        cause_id=cause_id, c=complaint,
        contact=Contact(email=record.reporter_email, phone=record.reporter_phone,
                        locale=record.locale, phone_channel=phone_channel),
        template="survey_invitation", occurred_at=invitation.occurred_at,
        variables={"invitation_url": invitation.invitation_url,
                   "expires_at": invitation.expires_at.isoformat()})
    if message is None:
        return False
    uow.publish(message.model_copy(update={"invitation_id": invitation.invitation_id}))
    return True
