"""Writing what a lifecycle step changed: the new timeline entries, the events it caused and
the reporter's notifications, all in the caller's unit of work (so in its transaction)."""

from __future__ import annotations

from dataclasses import dataclass

from services.complaints import domain, repository
from services.complaints.mapping import Contact, Facts, notification, payloads
from services.complaints.records import AuditRecord, ComplaintRecord, MessageRecord
from shared.events.complaints import PrivacyMode
from shared.uow import UnitOfWork

STATUS_CHANGED = "complaint_status_changed"


@dataclass(frozen=True)
class Recorded:
    """The timeline entries written."""

    messages: tuple[MessageRecord, ...]
    audit: tuple[AuditRecord, ...]


def record_changes(uow: UnitOfWork, complaint: domain.Complaint, *, facts: Facts,
                   contact: Contact | None, tracking_url: str,
                   template: str = STATUS_CHANGED) -> Recorded:
    """Queue the complaint's new timeline entries and publish the events they caused: one
    domain event per status change, and a notification to the reporter when they left a
    contact. Clears the complaint's pending events."""
    new_messages, new_audit = repository.append_timeline(uow, complaint)
    for event in complaint.events:
        published = [uow.publish(p) for p in payloads(event, complaint, facts)]
        if event.from_status == event.to_status or not published:
            continue
        message = notification(cause_id=published[0].id, c=complaint, contact=contact,
                               template=template, occurred_at=event.at,
                               tracking_url=tracking_url)
        if message is not None:
            uow.publish(message)
    complaint.events.clear()
    return Recorded(new_messages, new_audit)


def facts_of(record: ComplaintRecord) -> Facts:
    return Facts(agency_id=record.agency_id, category_code=record.category_code,
                 channel=record.channel, privacy=record.privacy,
                 region_code=record.region_code, filed_at=record.filed_at)


def contact_of(record: ComplaintRecord) -> Contact | None:
    if record.privacy == PrivacyMode.ANONYMOUS:
        return None
    return Contact(email=record.reporter_email, phone=record.reporter_phone,
                   locale=record.locale)
