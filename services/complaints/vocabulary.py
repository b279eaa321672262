"""The complaints domain's vocabulary: statuses, roles, actions, the records a complaint
keeps (audit entries, messages, ratings) and the domain events its transitions emit.

These are the domain's own types, not the wire format: ``mapping.py`` turns the events into
Kafka payloads. The rules that use them are in ``domain.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from services.complaints.sla import Complexity, Deadlines, Milestone


class Status(StrEnum):
    SUBMITTED = "submitted"
    VERIFIED = "verified"
    REJECTED = "rejected"
    FORWARDED = "forwarded"
    IN_PROGRESS = "in_progress"
    RESPONDED = "responded"
    RESOLVED = "resolved"
    REOPENED = "reopened"
    CLOSED = "closed"


class Role(StrEnum):
    CITIZEN = "citizen"
    OFFICER = "officer"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    AUDITOR = "auditor"
    SYSTEM = "system"


class Action(StrEnum):
    FILE = "file"
    VERIFY = "verify"
    REJECT = "reject"
    FORWARD = "forward"
    START = "start"
    RESPOND = "respond"
    RESOLVE = "resolve"
    REOPEN = "reopen"
    RATE = "rate"
    REPLY = "reply"
    NOTE = "note"
    CLOSE = "close"
    ESCALATE = "escalate"


class RejectionReason(StrEnum):
    NOT_IN_SCOPE = "not_in_scope"
    DUPLICATE = "duplicate"
    INCOMPLETE = "incomplete"


class CloseReason(StrEnum):
    ACCEPTED = "accepted_by_citizen"
    AUTO_CLOSED = "auto_closed"


class Visibility(StrEnum):
    PUBLIC = "public"  # the citizen sees it
    INTERNAL = "internal"  # staff and auditors only


@dataclass(frozen=True)
class Actor:
    role: Role
    id: str


@dataclass(frozen=True)
class AuditEntry:
    action: Action
    actor: Actor
    at: datetime
    from_status: Status | None
    to_status: Status
    note: str | None = None


@dataclass(frozen=True)
class Message:
    author: Actor
    at: datetime
    body: str
    visibility: Visibility


@dataclass(frozen=True)
class Rating:
    score: int
    comment: str | None
    at: datetime
    resolution: int  # which resolution it rates: 1 for the first, 2 after one reopen, ...


@dataclass(frozen=True, kw_only=True)
class Event:
    """Base of the domain events; not the wire format."""

    complaint_id: str
    at: datetime
    actor: Actor
    from_status: Status | None
    to_status: Status


@dataclass(frozen=True, kw_only=True)
class Filed(Event):
    tracking_code: str
    complexity: Complexity
    deadlines: Deadlines


@dataclass(frozen=True, kw_only=True)
class Verified(Event):
    complexity: Complexity
    deadlines: Deadlines


@dataclass(frozen=True, kw_only=True)
class Rejected(Event):
    reason: RejectionReason
    duplicate_of: str | None


@dataclass(frozen=True, kw_only=True)
class Forwarded(Event):
    agency_id: str
    previous_agency_id: str | None


@dataclass(frozen=True, kw_only=True)
class WorkStarted(Event):
    agency_id: str | None  # None: still with the agency it was filed to (never forwarded)


@dataclass(frozen=True, kw_only=True)
class Responded(Event):
    body: str
    first: bool
    auto_close_at: datetime


@dataclass(frozen=True, kw_only=True)
class Resolved(Event):
    reopen_until: datetime


@dataclass(frozen=True, kw_only=True)
class Reopened(Event):
    reason: str
    resolve_by: datetime


@dataclass(frozen=True, kw_only=True)
class Rated(Event):
    score: int
    comment: str | None


@dataclass(frozen=True, kw_only=True)
class CitizenReplied(Event):
    body: str


@dataclass(frozen=True, kw_only=True)
class InternalNoteAdded(Event):
    body: str


@dataclass(frozen=True, kw_only=True)
class Closed(Event):
    reason: CloseReason


@dataclass(frozen=True, kw_only=True)
class SlaEscalated(Event):
    milestone: Milestone
    deadline: datetime
