"""What the repository hands back: typed, immutable records of stored rows.

Records are the storage's shape, read once (every timestamp aware, in UTC: the columns are
``UtcDateTime``); the domain (``domain.Complaint``) is rebuilt from them by the repository,
and ``views.py`` turns them into each audience's HTTP model. Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from services.complaints.sla import Deadlines

AgencyKind = Literal["ministry", "regional", "unit"]


@dataclass(frozen=True, slots=True)
class AgencyRecord:
    id: str
    name_id: str
    name_en: str
    kind: AgencyKind
    parent_id: str | None
    revision: int = 1
    notification_email: str | None = None
    #: when it was created or last changed (what its catalogue event's occurred_at says)
    changed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class CategoryRecord:
    code: str
    agency_id: str
    name_id: str
    name_en: str
    description_id: str
    description_en: str
    complexity: str
    keywords: list[str]
    attributes: list[dict[str, Any]]
    active: bool
    integrity: bool = False
    revision: int = 1
    created_at: datetime | None = None
    changed_at: datetime | None = None  # created_at until the first change


@dataclass(frozen=True, slots=True)
class ApiKeyRecord:
    id: str
    name: str
    created_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class ComplaintRecord:
    """One stored complaint: its content, its reporter and its lifecycle state."""

    id: str
    tracking_code: str
    token_hash: str
    title: str
    description: str
    category_code: str
    agency_id: str
    agency_chain: list[str]
    status: str
    privacy: str
    private: bool
    channel: str
    locale: str
    lat: float | None
    long: float | None
    address: str | None
    region_code: str | None
    attributes: dict[str, Any]
    reporter_name: str | None
    reporter_email: str | None
    reporter_phone: str | None
    complexity: str
    filed_at: datetime
    verify_by: datetime
    forward_by: datetime
    first_response_by: datetime
    resolve_by: datetime
    first_responded_at: datetime | None
    auto_close_at: datetime | None
    resolved_at: datetime | None
    reopen_until: datetime | None
    resolutions: int
    rejection: str | None
    duplicate_of: str | None
    escalated: list[str]
    updated_at: datetime
    #: the reporter's app's FCM registration token (registered through /v1/track/.../device)
    reporter_push_token: str | None = None
    #: when the contact was erased after ``contact_retention_days`` (NULL: kept)
    contact_erased_at: datetime | None = None

    @property
    def deadlines(self) -> Deadlines:
        return Deadlines(verify_by=self.verify_by, forward_by=self.forward_by,
                         first_response_by=self.first_response_by, resolve_by=self.resolve_by)


@dataclass(frozen=True, slots=True)
class ComplaintSummaryRecord:
    """A row of the staff's complaint list."""

    id: str
    tracking_code: str
    title: str
    category_code: str
    agency_id: str
    status: str
    privacy: str
    filed_at: datetime
    resolve_by: datetime
    overdue: bool


@dataclass(frozen=True, slots=True)
class MessageRecord:
    at: datetime
    author_role: str
    author_id: str
    visibility: str
    body: str


@dataclass(frozen=True, slots=True)
class AuditRecord:
    at: datetime
    action: str
    actor_role: str
    actor_id: str
    from_status: str | None
    to_status: str
    note: str | None


@dataclass(frozen=True, slots=True)
class AttachmentRecord:
    id: str
    url: str
    media_type: str
    size_bytes: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class RatingRecord:
    resolution: int
    score: int
    comment: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class Timeline:
    """Everything that happened to one complaint, oldest first."""

    messages: tuple[MessageRecord, ...] = ()
    audit: tuple[AuditRecord, ...] = ()
    attachments: tuple[AttachmentRecord, ...] = ()
    ratings: tuple[RatingRecord, ...] = ()

    @property
    def latest_rating(self) -> RatingRecord | None:
        return self.ratings[-1] if self.ratings else None

    def extended(self, *, messages: tuple[MessageRecord, ...] = (),
                 audit: tuple[AuditRecord, ...] = (),
                 attachments: tuple[AttachmentRecord, ...] = (),
                 ratings: tuple[RatingRecord, ...] = ()) -> Timeline:
        """This timeline with entries written after it was read (in the same transaction)."""
        return Timeline(messages=self.messages + messages, audit=self.audit + audit,
                        attachments=self.attachments + attachments,
                        ratings=self.ratings + ratings)


@dataclass(frozen=True, slots=True)
class PublicRequest:
    """A complaint as the public listing (Open311) may show it, with the names it needs."""

    complaint: ComplaintRecord
    service_name_id: str
    service_name_en: str
    agency_name_id: str | None
    agency_name_en: str | None
    staff_reply: str | None = None
    media_url: str | None = None


# -- what a list asks for (from the routes, through the use cases, to the repository) ---------

@dataclass(frozen=True)
class ListFilters:
    """The staff list's filters; ``text`` is the ``q=`` search (repository.search_clause)."""

    status: Sequence[str] = ()
    category_code: str | None = None
    agency_id: str | None = None
    filed_from: datetime | None = None
    filed_to: datetime | None = None
    overdue: bool | None = None
    text: str | None = None


@dataclass(frozen=True)
class PublicFilters:
    """GET requests: ids override every other filter; private complaints never match."""

    ids: Sequence[str] = ()
    service_codes: Sequence[str] = ()
    closed: bool | None = None
    start: datetime | None = None
    end: datetime | None = None
