"""Writing what a lifecycle step changed: the new timeline entries, the events it caused and
the reporter's notifications, all in the caller's unit of work (so in its transaction).

Which message a change sends (docs/notifications.md, "What producers send"): filing ->
``complaint_filed`` (the tracking link with the token), an answer -> ``complaint_answered``,
a resolution -> ``complaint_resolved`` (the rating link; at the first resolution also the
one-time survey link, whose token is drawn here and whose hash ``complaint.resolved``
carries), any other status change -> ``complaint_status_changed``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from services.complaints import domain, repository
from services.complaints.links import Links, SurveyToken
from services.complaints.mapping import (
    Contact,
    Facts,
    PhoneChannel,
    notification,
    payloads,
    push,
    token_sha256,
)
from services.complaints.records import AuditRecord, ComplaintRecord, MessageRecord
from shared.events.complaints import PrivacyMode
from shared.uow import UnitOfWork


@dataclass(frozen=True)
class Recorded:
    """The timeline entries written."""

    messages: tuple[MessageRecord, ...]
    audit: tuple[AuditRecord, ...]


def record_changes(uow: UnitOfWork, complaint: domain.Complaint, *, facts: Facts,
                   contact: Contact | None, links: Links,
                   token: str | None = None) -> Recorded:
    """Queue the complaint's new timeline entries and publish the events they caused: one
    domain event per status change, and a notification to the reporter when they left a
    contact. ``token`` (only at filing) goes into the first message's link. Clears the
    complaint's pending events."""
    new_messages, new_audit = repository.append_timeline(uow, complaint)
    for event in complaint.events:
        survey = (SurveyToken.draw() if isinstance(event, domain.Resolved)
                  and complaint.resolutions == 1 and reachable(contact) else None)
        published = [uow.publish(p) for p in payloads(
            event, complaint, facts, survey_token_sha256=survey.sha256 if survey else None)]
        if not published:
            continue
        kind = _message(event, complaint, links, token, survey)
        if kind is None:
            continue
        template, variables = kind
        message = notification(cause_id=published[0].id, c=complaint, contact=contact,
                               template=template, occurred_at=event.at, variables=variables)
        if message is not None:
            uow.publish(message)
            if contact is not None and contact.push_token and message.channel != "push":
                pushed = push(message, contact.push_token)
                uow.publish(pushed)
                # what a notification.failed (invalid_recipient) leads back to (outcomes.py)
                repository.insert_push_request(
                    uow, notification_id=pushed.notification_id, complaint_id=complaint.id,
                    token_sha256=token_sha256(contact.push_token), now=event.at)
    complaint.events.clear()
    return Recorded(new_messages, new_audit)


def _message(event: domain.Event, c: domain.Complaint, links: Links, token: str | None,
             survey: SurveyToken | None) -> tuple[str, dict[str, Any]] | None:
    code = c.tracking_code
    at = _iso(event.at)
    match event:
        case domain.Filed():
            return "complaint_filed", {"tracking_url": links.tracking(code, token),
                                       "status": str(c.status), "filed_at": at}
        case domain.Responded():  # every answer, also a second one in the same status
            return "complaint_answered", {"tracking_url": links.tracking(code),
                                          "responded_at": at}
        case domain.Resolved():
            variables: dict[str, Any] = {"tracking_url": links.tracking(code),
                                         "rating_url": links.rating(code), "resolved_at": at}
            if survey is not None:
                variables["survey_url"] = links.survey(survey.token)
                variables["survey_expires_at"] = _iso(
                    event.at + timedelta(days=links.survey_ttl_days))
            return "complaint_resolved", variables
        case _ if event.from_status is not None and event.from_status != event.to_status:
            return "complaint_status_changed", {"tracking_url": links.tracking(code),
                                                "status": str(event.to_status),
                                                "changed_at": at}
        case _:
            return None


def _iso(at: datetime) -> str:
    return at.isoformat()


def reachable(contact: Contact | None) -> bool:
    return contact is not None and bool(contact.email or contact.phone or contact.push_token)


def facts_of(record: ComplaintRecord) -> Facts:
    return Facts(agency_id=record.agency_id, category_code=record.category_code,
                 channel=record.channel, privacy=record.privacy,
                 region_code=record.region_code, filed_at=record.filed_at)


def contact_of(record: ComplaintRecord, *,
               phone_channel: PhoneChannel = "whatsapp") -> Contact | None:
    """The reporter's contact; None for an anonymous report or an erased contact (past
    ``contact_retention_days``), which then behaves like one whose reporter left none."""
    if record.privacy == PrivacyMode.ANONYMOUS or record.contact_erased_at is not None:
        return None
    return Contact(email=record.reporter_email, phone=record.reporter_phone,
                   locale=record.locale, push_token=record.reporter_push_token,
                   phone_channel=phone_channel)
