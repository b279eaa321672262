"""HTTP request and response models of the complaints REST API (v1)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    HttpUrl,
    StringConstraints,
    field_validator,
    model_validator,
)

from services.complaints.domain import RejectionReason, Status
from services.complaints.sla import Complexity
from shared.events.complaints import IntakeChannel, PrivacyMode
from shared.text import optional_plain_text, plain_text

MAX_DESCRIPTION = 4000
Id = Annotated[str, StringConstraints(min_length=1, max_length=64,
                                      pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")]
Text200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Phone = Annotated[str, StringConstraints(pattern=r"^\+[1-9][0-9]{6,14}$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Location(Strict):
    lat: float | None = Field(None, ge=-90, le=90)
    long: float | None = Field(None, ge=-180, le=180)
    address: str | None = Field(None, max_length=500)
    region_code: str | None = Field(None, pattern=r"^[0-9]{2}(\.[0-9]{2}){0,2}(\.[0-9]{4})?$",
                                    description="Kemendagri region code (province to village).")
    _plain = field_validator("address")(optional_plain_text)

    @model_validator(mode="after")
    def _both_coordinates(self) -> Location:
        if (self.lat is None) != (self.long is None):
            raise ValueError("give both lat and long, or neither")
        return self


class Reporter(Strict):
    """Who reports. Omitted entirely for anonymous reports (it would be refused)."""

    name: str | None = Field(None, max_length=200)
    email: EmailStr | None = None
    phone: Phone | None = Field(None, description="E.164, e.g. +6281234567890")
    _plain = field_validator("name")(optional_plain_text)


class AttachmentIn(Strict):
    url: HttpUrl
    media_type: str = Field(pattern=r"^[a-z]+/[a-z0-9.+-]+$", max_length=100)
    size_bytes: int = Field(ge=0, le=100 * 1024 * 1024)


class ComplaintCreate(Strict):
    id: Id | None = Field(None, description="Client-generated id (offline apps retry safely).")
    title: Text200
    description: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                                  max_length=MAX_DESCRIPTION)]
    category_code: Id
    location: Location | None = None
    channel: IntakeChannel = IntakeChannel.MOBILE
    locale: Literal["id", "en"] = "id"
    privacy: PrivacyMode = PrivacyMode.PUBLIC
    private: bool = Field(False, description="Hide the content from public listings.")
    reporter: Reporter | None = None
    attributes: dict[str, Any] = Field(default_factory=dict,
                                       description="Answers to the category's extra attributes.")
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=10)

    _plain = field_validator("title", "description")(plain_text)

    @model_validator(mode="after")
    def _privacy_rules(self) -> ComplaintCreate:
        if self.privacy is PrivacyMode.ANONYMOUS and self.reporter is not None:
            raise ValueError("an anonymous report carries no reporter: leave it out")
        return self


class ComplaintCreated(BaseModel):
    id: str
    tracking_code: str
    token: str | None = Field(
        description="Shown once: with the tracking code it opens the complaint. A retry gets it "
                    "again only with the first request's Idempotency-Key; a retry by client "
                    "`id` alone answers null.")
    status: Status
    filed_at: datetime
    deadlines: dict[str, datetime]


class MessageRead(BaseModel):
    at: datetime
    author_role: str
    visibility: Literal["public", "internal"]
    body: str


class AuditRead(BaseModel):
    at: datetime
    action: str
    actor_role: str
    actor_id: str | None = Field(
        description="Who acted: the officer's account (their token's subject) for staff, the "
                    "intake channel for a citizen. Shown to staff only: null in the citizen's "
                    "timeline.")
    from_status: str | None
    to_status: str
    note: str | None


class AttachmentRead(BaseModel):
    id: str
    url: str
    media_type: str
    size_bytes: int


class ReporterRead(BaseModel):
    name: str | None = None
    email: str | None = None
    phone: str | None = None


class ComplaintRead(BaseModel):
    """What an officer sees. ``reporter`` is null for anonymous and confidential reports."""

    id: str
    tracking_code: str
    title: str
    description: str
    category_code: str
    agency_id: str
    agency_chain: list[str]
    status: Status
    privacy: PrivacyMode
    private: bool
    channel: IntakeChannel
    locale: str
    location: Location | None
    attributes: dict[str, Any]
    reporter: ReporterRead | None
    complexity: Complexity
    filed_at: datetime
    deadlines: dict[str, datetime]
    overdue: list[str]
    escalated: list[str]
    first_responded_at: datetime | None
    resolved_at: datetime | None
    rating: int | None
    attachments: list[AttachmentRead]
    messages: list[MessageRead]
    audit: list[AuditRead]


class RejectionRead(BaseModel):
    reason: RejectionReason
    duplicate_of: str | None = Field(
        description="For a duplicate: the id of the complaint it repeats, handled there")


class CitizenView(BaseModel):
    """What the reporter sees with the tracking code and token: the public timeline only."""

    tracking_code: str
    title: str
    description: str
    category_code: str
    status: Status
    filed_at: datetime
    reporter: ReporterRead | None
    timeline: list[AuditRead]
    replies: list[MessageRead]
    rejection: RejectionRead | None = Field(
        description="Why the complaint was rejected, when it was")
    can: list[str] = Field(description="What the citizen may do now (reply, reopen, rate...)")
    reopen_until: datetime | None
    rating: int | None


class ComplaintSummary(BaseModel):
    id: str
    tracking_code: str
    title: str
    category_code: str
    agency_id: str
    status: Status
    privacy: PrivacyMode
    filed_at: datetime
    resolve_by: datetime
    overdue: bool


class ComplaintPage(BaseModel):
    items: list[ComplaintSummary]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page.")


class VerifyIn(Strict):
    complexity: Complexity | None = None
    note: str | None = Field(None, max_length=2000)
    _plain = field_validator("note")(optional_plain_text)


class RejectIn(Strict):
    reason: RejectionReason
    duplicate_of: Id | None = None
    note: str | None = Field(None, max_length=2000)
    _plain = field_validator("note")(optional_plain_text)


class ForwardIn(Strict):
    agency_id: Id
    note: str | None = Field(None, max_length=2000)
    _plain = field_validator("note")(optional_plain_text)


class NoteIn(Strict):
    note: str | None = Field(None, max_length=2000)
    _plain = field_validator("note")(optional_plain_text)


class BodyIn(Strict):
    body: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                           max_length=MAX_DESCRIPTION)]
    _plain = field_validator("body")(plain_text)


class ReopenIn(Strict):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                             max_length=MAX_DESCRIPTION)]
    _plain = field_validator("reason")(plain_text)


class DeviceIn(Strict):
    push_token: Annotated[str, StringConstraints(min_length=20, max_length=4096,
                                                 pattern=r"^[A-Za-z0-9_:\-]+$")] = Field(
        description="The app's FCM registration token: the reporter's messages go to it too, "
        "until it is forgotten with DELETE")


class RateIn(Strict):
    score: int = Field(ge=1, le=5)
    comment: str | None = Field(None, max_length=1000)
    _plain = field_validator("comment")(optional_plain_text)


class AgencyRead(Strict):
    """An agency as anyone sees it."""

    id: Id
    name_id: Text200
    name_en: Text200
    kind: Literal["ministry", "regional", "unit"]
    parent_id: Id | None = None


class NotificationAddressIn(Strict):
    notification_email: EmailStr | None = Field(
        description="Where SLA warnings (one daily digest, 07:00 local time) and breaches (one "
        "message each, at once) for the agency's complaints are sent; null: none")


class AgencyIn(AgencyRead):
    notification_email: EmailStr | None = Field(
        None, description="Where SLA warnings (one daily digest) and breaches (one message "
        "each) for the agency's complaints are sent. Shown to admins only.")


class AgencyAdminRead(AgencyIn):
    """An agency as an admin sees it: with its notification address."""


def _not_null(value: object) -> object:
    if value is None:
        raise ValueError("may be left out, not null")
    return value


class AgencyPatch(Strict):
    """What changes: only the fields given (``parent_id: null`` moves it to the top)."""

    name_id: Text200 | None = None
    name_en: Text200 | None = None
    kind: Literal["ministry", "regional", "unit"] | None = None
    parent_id: Id | None = None
    _given = field_validator("name_id", "name_en", "kind", mode="before")(_not_null)


class AttributeDef(Strict):
    """An Open311 attribute: extra information a category asks for."""

    code: Id
    datatype: Literal["string", "number", "datetime", "text", "singlevaluelist",
                      "multivaluelist"]
    required: bool = False
    description: Text200
    description_en: Text200 | None = None
    order: int = Field(0, ge=0)
    values: list[dict[str, str]] = Field(default_factory=list,
                                         description="[{key, name}] for list datatypes")

    @model_validator(mode="after")
    def _lists_have_values(self) -> AttributeDef:
        if self.datatype.endswith("valuelist") and not self.values:
            raise ValueError("a list attribute needs values")
        return self


class CategoryIn(Strict):
    code: Id
    agency_id: Id
    name_id: Text200
    name_en: Text200
    description_id: str = Field("", max_length=2000)
    description_en: str = Field("", max_length=2000)
    complexity: Complexity = Complexity.NORMAL
    keywords: list[str] = Field(default_factory=list, max_length=20)
    attributes: list[AttributeDef] = Field(default_factory=list, max_length=50)
    integrity: bool = Field(False, description="The category concerns the integrity or ethics "
                            "of staff (extortion, bribery, misconduct): the KPI service counts "
                            "its complaints apart.")


class CategoryPatch(Strict):
    """What changes: only the fields given. ``active: false`` retires the category (no new
    complaints in it); a new ``agency_id`` applies to complaints filed from now on."""

    agency_id: Id | None = None
    name_id: Text200 | None = None
    name_en: Text200 | None = None
    description_id: str | None = Field(None, max_length=2000)
    description_en: str | None = Field(None, max_length=2000)
    complexity: Complexity | None = None
    keywords: list[str] | None = Field(None, max_length=20)
    attributes: list[AttributeDef] | None = Field(None, max_length=50)
    integrity: bool | None = None
    active: bool | None = None
    _given = field_validator("agency_id", "name_id", "name_en", "description_id",
                             "description_en", "complexity", "keywords", "attributes",
                             "integrity", "active", mode="before")(_not_null)


class CategoryRead(CategoryIn):
    active: bool = True


class ApiKeyIn(Strict):
    name: Text200


class ApiKeyRead(BaseModel):
    id: str
    name: str
    created_at: AwareDatetime
    revoked_at: AwareDatetime | None


class ApiKeyCreated(BaseModel):
    id: str
    name: str
    api_key: str = Field(description="Shown once; stored only as a hash.")
    created_at: AwareDatetime
