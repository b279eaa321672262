"""Domain events -> Kafka payloads, the citizen notifications they cause, and the catalogue's
events (agency / category created or changed).

Each status-changing transition publishes exactly one event: its own type where one exists
(filed, verified, forwarded...), ``complaint.status_changed`` otherwise (work started, a citizen
reply that reopens the conversation). Internal notes publish nothing. No payload carries the
reporter's identity or any free text; a district-level region code at most.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, TypedDict

from services.complaints import domain
from services.complaints.records import AgencyRecord, CategoryRecord
from services.complaints.sla import Milestone
from shared.events import (
    AgencyChanged,
    AgencyCreated,
    CategoryChanged,
    CategoryCreated,
    EventPayload,
)
from shared.events import complaints as ev
from shared.events.kpi import KpiTargetMissed
from shared.events.notifications import Locale, NotificationChannel, NotificationRequested

_NS = uuid.UUID("6f1d4b2a-5a7e-4c39-9d0e-3b8f2f6c1a01")
_DEADLINE = {Milestone.VERIFY: ev.SlaDeadline.VERIFICATION,
             Milestone.FORWARD: ev.SlaDeadline.FORWARDING,
             Milestone.FIRST_RESPONSE: ev.SlaDeadline.FIRST_RESPONSE,
             Milestone.RESOLUTION: ev.SlaDeadline.RESOLUTION}


@dataclass(frozen=True)
class Facts:
    """What every payload repeats about the complaint, read from its row."""

    agency_id: str
    category_code: str
    channel: str
    privacy: str
    region_code: str | None
    filed_at: datetime


class _Base(TypedDict):
    complaint_id: str
    agency_id: str
    category_code: str
    occurred_at: datetime


def district(region_code: str | None) -> str | None:
    """At most province.regency.district: a village code could point at a whistle-blower."""
    return ".".join(region_code.split(".")[:3]) if region_code else None


def deadline_kind(milestone: Milestone) -> ev.SlaDeadline:
    return _DEADLINE[milestone]


def payloads(event: domain.Event, c: domain.Complaint, facts: Facts, *,
             survey_token_sha256: str | None = None) -> list[EventPayload]:
    """The events ``event`` publishes; a first resolution's carries the hash of the survey
    token its notice sends (``survey_token_sha256``)."""
    base: _Base = {"complaint_id": c.id, "agency_id": c.agency_id or facts.agency_id,
                   "category_code": facts.category_code, "occurred_at": event.at}
    match event:
        case domain.Filed():
            return [ev.ComplaintFiled(**base, channel=ev.IntakeChannel(facts.channel),
                                      privacy=ev.PrivacyMode(facts.privacy),
                                      region_code=district(facts.region_code),
                                      verification_due_at=event.deadlines.verify_by)]
        case domain.Verified():
            return [ev.ComplaintVerified(**base,
                                         complexity=ev.ComplexityClass(event.complexity),
                                         first_response_due_at=event.deadlines.first_response_by,
                                         resolution_due_at=event.deadlines.resolve_by)]
        case domain.Rejected():
            return [ev.ComplaintRejected(**base, reason=ev.RejectionReason(event.reason),
                                         duplicate_of=event.duplicate_of)]
        case domain.Forwarded():
            return [ev.ComplaintForwarded(**base,
                                          from_agency_id=event.previous_agency_id
                                          or facts.agency_id,
                                          forward_position=len(c.agencies))]
        case domain.Responded():
            return [ev.ComplaintResponded(**base, first_response=event.first,
                                          filed_at=c.filed_at,
                                          first_response_due_at=c.deadlines.first_response_by)]
        case domain.Resolved():
            return [ev.ComplaintResolved(**base, filed_at=c.filed_at,
                                         resolution_due_at=c.deadlines.resolve_by,
                                         complexity=ev.ComplexityClass(c.complexity),
                                         survey_token_sha256=survey_token_sha256)]
        case domain.Reopened():
            return [ev.ComplaintReopened(**base, reopen_count=c.resolutions, initiator="citizen",
                                         resolution_due_at=event.resolve_by)]
        case domain.Closed():
            outcome: Literal["resolved", "rejected"] = (
                "rejected" if c.rejection else "resolved")
            return [ev.ComplaintClosed(**base, outcome=outcome)]
        case domain.Rated():
            return [ev.ComplaintRated(**base, score=event.score)]
        case domain.SlaEscalated():
            return [ev.ComplaintSlaBreached(**base, deadline=deadline_kind(event.milestone),
                                            due_at=event.deadline)]
        case domain.InternalNoteAdded():
            return []
        case _ if event.from_status is not None and event.from_status != event.to_status:
            return [ev.ComplaintStatusChanged(
                **base, from_status=ev.ComplaintStatus(event.from_status),
                to_status=ev.ComplaintStatus(event.to_status))]
        case _:
            return []


PhoneChannel = Literal["whatsapp", "sms"]


@dataclass(frozen=True)
class Contact:
    email: str | None
    phone: str | None
    locale: str
    push_token: str | None = None
    #: how a phone-only reporter is told (``phone_channel``): WhatsApp falls back to SMS
    phone_channel: PhoneChannel = "whatsapp"


def notification(*, cause_id: str, c: domain.Complaint, contact: Contact | None,
                 template: str, occurred_at: datetime,
                 variables: dict[str, Any]) -> NotificationRequested | None:
    """A message to the reporter, if they left a contact (never for anonymous reports).
    ``variables`` are the kind's (docs/notifications.md); the tracking code is always one."""
    recipient = contact and (contact.email or contact.phone or contact.push_token)
    if contact is None or not recipient:
        return None
    fallback: list[NotificationChannel] = []
    if contact.email:
        channel = NotificationChannel.EMAIL
    elif contact.phone and contact.phone_channel == "whatsapp":
        channel, fallback = NotificationChannel.WHATSAPP, [NotificationChannel.SMS]
    elif contact.phone:
        channel = NotificationChannel.SMS
    else:
        channel = NotificationChannel.PUSH
    return NotificationRequested(
        notification_id=str(uuid.uuid5(_NS, f"{cause_id}:{template}")),
        channel=channel, fallback_channels=fallback, recipient=recipient, audience="citizen",
        locale=Locale(contact.locale), template_name=template,
        template_variables={"tracking_code": c.tracking_code, **variables},
        complaint_id=c.id, causation_event_id=cause_id, occurred_at=occurred_at,
    )


def push(message: NotificationRequested, push_token: str) -> NotificationRequested:
    """The same message to the reporter's app: a request of its own (docs/notifications.md:
    a second channel's id adds ``:push``)."""
    return message.model_copy(update={
        "notification_id": str(uuid.uuid5(_NS, f"{message.causation_event_id}:"
                                               f"{message.template_name}:push")),
        "channel": NotificationChannel.PUSH, "recipient": push_token, "fallback_channels": []})


def token_sha256(push_token: str) -> str:
    """What ``push_requests`` keeps of the token a push request went to (hex SHA-256)."""
    return hashlib.sha256(push_token.encode()).hexdigest()


def sla_reminder(*, agency_id: str, address: str, tracking_code: str, complaint_id: str,
                 kind: Literal["warning", "breach"], deadline: ev.SlaDeadline,
                 due_at: datetime, occurred_at: datetime,
                 cause_id: str | None) -> NotificationRequested:
    """An SLA warning (collected into the address's daily digest) or breach (sent at once)
    to the agency's notification address (docs/notifications.md, ``sla_reminder``)."""
    key = f"sla:{complaint_id}:{deadline}:{kind}:{due_at.isoformat()}"
    return NotificationRequested(
        notification_id=str(uuid.uuid5(_NS, key)), channel=NotificationChannel.EMAIL,
        recipient=address, audience="officer", locale=Locale.ID, template_name="sla_reminder",
        template_variables={"tracking_code": tracking_code, "kind": kind,
                            "deadline": str(deadline), "due_at": due_at.isoformat()},
        complaint_id=complaint_id, causation_event_id=cause_id, occurred_at=occurred_at,
        digest="daily" if kind == "warning" else "immediate", agency_id=agency_id)


def target_missed(*, missed: KpiTargetMissed, address: str,
                  cause_id: str) -> NotificationRequested:
    """A KPI target the agency missed, to its notification address (sent at once; one
    message per agency, indicator, scope and period, however often the event arrives)."""
    scope = " / ".join(x for x in (missed.category_code, missed.unit_id) if x)
    key = (f"target_missed:{missed.agency_id}:{missed.indicator_code}:{missed.period}:"
           f"{missed.category_code or ''}:{missed.unit_id or ''}")
    return NotificationRequested(
        notification_id=str(uuid.uuid5(_NS, key)), channel=NotificationChannel.EMAIL,
        recipient=address, audience="officer", locale=Locale.ID,
        template_name="kpi_target_missed",
        template_variables={"indicator_code": missed.indicator_code, "period": missed.period,
                            "scope": scope, "value": missed.value, "target": missed.target,
                            "comparison": missed.comparison, "measure": missed.measure},
        causation_event_id=cause_id, occurred_at=missed.occurred_at,
        agency_id=missed.agency_id)


# -- the catalogue ---------------------------------------------------------------------------


def agency_event(a: AgencyRecord, *, created: bool) -> AgencyCreated | AgencyChanged:
    """The whole agency at its revision (event-carried state); never its notification
    address."""
    assert a.changed_at is not None
    event = AgencyCreated if created else AgencyChanged
    return event(agency_id=a.id, parent_id=a.parent_id, kind=a.kind, name_id=a.name_id,
                 name_en=a.name_en, revision=a.revision, occurred_at=a.changed_at)


def category_event(c: CategoryRecord, *, created: bool) -> CategoryCreated | CategoryChanged:
    """The whole category at its revision (its descriptions, keywords and Open311 attributes
    stay here: only what the other services use travels)."""
    assert c.changed_at is not None
    event = CategoryCreated if created else CategoryChanged
    return event(category_code=c.code, agency_id=c.agency_id, name_id=c.name_id,
                 name_en=c.name_en, complexity=ev.ComplexityClass(c.complexity),
                 integrity=c.integrity, active=c.active, revision=c.revision,
                 occurred_at=c.changed_at)
