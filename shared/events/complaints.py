"""Events of the complaints service (*pengaduan*), on ``suara.complaints``, keyed by complaint id.

Every payload carries the facts a consumer needs without a lookup: the agency responsible once
the event has happened, the category, and when it happened in the domain. They never carry who
the reporter is (name, NIK, phone, e-mail, street address), nor any free text: the complaint's
description, officers' replies and citizens' comments stay in the complaints service.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field

from shared.events.envelope import EventPayload
from shared.topics import Topic

Id = Annotated[str, Field(min_length=1, max_length=64)]
Code = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
#: Kemendagri administrative region code, down to the district (kecamatan) at most: a village
#: code next to a rare category could point at a whistle-blower.
RegionCode = Annotated[str, Field(pattern=r"^[0-9]{2}(\.[0-9]{2}){0,2}$")]


class IntakeChannel(StrEnum):
    """Where the complaint came in."""

    MOBILE = "mobile"
    WEB = "web"
    SMS = "sms"
    COUNTER = "counter"
    OPEN311 = "open311"
    EMAIL = "email"
    SOCIAL = "social"


class PrivacyMode(StrEnum):
    """public: identity visible; confidential: hidden from officers; anonymous: never stored."""

    PUBLIC = "public"
    CONFIDENTIAL = "confidential"
    ANONYMOUS = "anonymous"


class ComplaintStatus(StrEnum):
    """The complaint's state machine (services/complaints/domain.py)."""

    SUBMITTED = "submitted"
    VERIFIED = "verified"
    REJECTED = "rejected"
    FORWARDED = "forwarded"
    IN_PROGRESS = "in_progress"
    RESPONDED = "responded"
    RESOLVED = "resolved"
    REOPENED = "reopened"
    CLOSED = "closed"


class ComplexityClass(StrEnum):
    """Set at verification; chooses the first-response and resolution deadlines."""

    SIMPLE = "simple"
    NORMAL = "normal"
    COMPLEX = "complex"


class RejectionReason(StrEnum):
    NOT_IN_SCOPE = "not_in_scope"
    DUPLICATE = "duplicate"
    INCOMPLETE = "incomplete"


class SlaDeadline(StrEnum):
    """The deadlines of a complaint."""

    VERIFICATION = "verification"
    FORWARDING = "forwarding"
    FIRST_RESPONSE = "first_response"
    RESOLUTION = "resolution"


class ComplaintEvent(EventPayload):
    """Base of every complaint event (abstract: registers no type)."""

    topic = Topic.COMPLAINTS
    key_field = "complaint_id"

    complaint_id: Id = Field(description="The complaint (UUID, possibly client-generated).")
    agency_id: Id = Field(
        description="The agency responsible for the complaint once this event has happened."
    )
    category_code: Code = Field(description="Complaint category (Open311 service_code).")
    occurred_at: AwareDatetime = Field(
        description="When it happened in the domain; the clock of every KPI. The envelope's "
        "time is when the event was recorded (later for an offline filing)."
    )


class ComplaintFiled(ComplaintEvent):
    """A citizen filed a complaint."""

    event_type = "complaint.filed.v1"

    channel: IntakeChannel = Field(description="Where the complaint came in.")
    privacy: PrivacyMode = Field(description="How the reporter's identity is protected.")
    unit_id: Id | None = Field(None, description="The service unit complained about, if known.")
    region_code: RegionCode | None = Field(
        None, description="Administrative region (province, city or district code), if given."
    )
    verification_due_at: AwareDatetime = Field(description="Deadline for verification.")


class ComplaintVerified(ComplaintEvent):
    """An officer accepted the complaint as valid and set its complexity and deadlines."""

    event_type = "complaint.verified.v1"

    complexity: ComplexityClass = Field(description="Complexity class chosen by the officer.")
    first_response_due_at: AwareDatetime = Field(description="Deadline for the first response.")
    resolution_due_at: AwareDatetime = Field(description="Deadline for the resolution.")


class ComplaintRejected(ComplaintEvent):
    """Verification rejected the complaint; it will not be handled."""

    event_type = "complaint.rejected.v1"

    reason: RejectionReason = Field(description="Why it was rejected.")
    duplicate_of: Id | None = Field(
        None, description="The complaint this one duplicates (only with reason duplicate)."
    )


class ComplaintForwarded(ComplaintEvent):
    """Forwarded (*disposisi*) to another agency; agency_id is the receiving agency."""

    event_type = "complaint.forwarded.v1"

    from_agency_id: Id = Field(description="The agency that forwarded it.")
    forward_position: int = Field(
        ge=1, description="Position in the forward chain: 1 for the first forward."
    )


class ComplaintResponded(ComplaintEvent):
    """The responsible agency answered the citizen (the reply text stays in the service)."""

    event_type = "complaint.responded.v1"

    first_response: bool = Field(description="True for the complaint's first response.")
    filed_at: AwareDatetime = Field(description="When the complaint was filed.")
    first_response_due_at: AwareDatetime | None = Field(
        None, description="Deadline for the first response, once verified."
    )


class ComplaintStatusChanged(ComplaintEvent):
    """Any status transition, published next to the specific event (backlog needs only this)."""

    event_type = "complaint.status_changed.v1"

    from_status: ComplaintStatus = Field(description="Status before the transition.")
    to_status: ComplaintStatus = Field(description="Status after the transition.")


class ComplaintResolved(ComplaintEvent):
    """The agency marked the complaint resolved."""

    event_type = "complaint.resolved.v1"

    filed_at: AwareDatetime = Field(description="When the complaint was filed.")
    resolution_due_at: AwareDatetime | None = Field(
        None, description="The resolution deadline in force (None if never verified)."
    )
    complexity: ComplexityClass | None = Field(None, description="Complexity class, if set.")
    survey_token_sha256: str | None = Field(
        None, pattern=r"^[0-9a-f]{64}$",
        description="SHA-256 (hex) of the one-time survey token the reporter received with the "
        "resolution notice (on the restricted notification topic, never here). The surveys "
        "service stores it as the invitation's token hash. None when nobody can be invited: "
        "an anonymous report, no contact left, or not the first resolution.")


class ComplaintReopened(ComplaintEvent):
    """A resolved or closed complaint was reopened; it goes back to in_progress."""

    event_type = "complaint.reopened.v1"

    reopen_count: int = Field(
        ge=1, description="How many times it has been reopened, this one included."
    )
    initiator: Literal["citizen", "officer"] = Field(description="Who reopened it.")
    resolution_due_at: AwareDatetime | None = Field(
        None, description="The new resolution deadline, if one was set."
    )


class ComplaintClosed(ComplaintEvent):
    """The complaint is closed for good (until a reopen)."""

    event_type = "complaint.closed.v1"

    outcome: Literal["resolved", "rejected", "withdrawn"] = Field(
        description="resolved: after a resolution; rejected: after a rejection; "
        "withdrawn: the citizen withdrew it."
    )


class ComplaintRated(ComplaintEvent):
    """The citizen rated the handling. Only the score: a comment may hold personal data."""

    event_type = "complaint.rated.v1"

    score: int = Field(ge=1, le=5, description="Rating from 1 (very poor) to 5 (very good).")


class ComplaintSlaWarning(ComplaintEvent):
    """A deadline is near and the step is not done yet."""

    event_type = "complaint.sla_warning.v1"

    deadline: SlaDeadline = Field(description="Which deadline is near.")
    due_at: AwareDatetime = Field(description="When it is due.")


class ComplaintSlaBreached(ComplaintEvent):
    """A deadline passed and the step is not done."""

    event_type = "complaint.sla_breached.v1"

    deadline: SlaDeadline = Field(description="Which deadline was missed.")
    due_at: AwareDatetime = Field(description="When it was due.")
