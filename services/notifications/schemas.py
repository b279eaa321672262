"""HTTP request and response models of the notifications API (not the rows, not the events)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr, Field

from shared.events.notifications import Locale, RecipientTimezone

Pattern = Annotated[str, Field(min_length=1, max_length=128,
                               pattern=r"^(\*|[a-z][a-z0-9_]*(\.\*|(\.[a-z0-9_]+)*\.v[0-9]+))$")]
Id = Annotated[str, Field(min_length=1, max_length=64)]
Ordering = Literal["unordered", "per_subject"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# -- webhooks ------------------------------------------------------------------------------


class WebhookCreate(_Strict):
    url: str = Field(min_length=8, max_length=2048, examples=["https://example.go.id/hooks"],
                     description="Where deliveries are POSTed (https in production).")
    event_types: list[Pattern] = Field(
        min_length=1, max_length=64, examples=[["complaint.*", "survey.period_closed.v1"]],
        description="Event types to receive: exact (complaint.filed.v1), per aggregate "
        "(complaint.*) or everything (*).")
    description: str = Field("", max_length=500)
    ordering: Ordering = Field(
        "unordered", description="per_subject: a complaint's later event is delivered only "
        "after its earlier one succeeded or was given up.")
    agency_id: Id | None = Field(
        None, description="The agency whose events to receive; defaults to the token's "
        "agency (required for a platform admin without one).")
    contact_email: EmailStr | None = Field(
        None, description="Who to tell if the endpoint gets disabled.")
    rate_limit_per_s: float | None = Field(None, gt=0, le=1000,
                                           description="Most deliveries a second.")


class WebhookUpdate(_Strict):
    url: str | None = Field(None, min_length=8, max_length=2048)
    event_types: list[Pattern] | None = Field(None, min_length=1, max_length=64)
    description: str | None = Field(None, max_length=500)
    ordering: Ordering | None = None
    contact_email: EmailStr | None = None
    rate_limit_per_s: float | None = Field(None, gt=0, le=1000)


class WebhookRead(_Strict):
    id: str
    agency_id: str
    url: str
    description: str
    event_types: list[str]
    ordering: Ordering
    enabled: bool
    disabled_reason: str | None
    rate_limit_per_s: float | None
    failing_since: datetime | None
    rotation_ends_at: datetime | None = Field(
        None, description="Until when the previous secret still signs (after a rotation).")
    created_at: datetime
    updated_at: datetime


class WebhookCreated(WebhookRead):
    secret: str = Field(description="The signing secret (whsec_...). Shown only once.")


class SecretRotated(_Strict):
    id: str
    secret: str = Field(description="The new signing secret, shown once.")
    previous_valid_until: datetime


class WebhookMessageRead(_Strict):
    webhook_id: str = Field(description="The event id: the webhook-id header.")
    event_type: str
    subject: str
    status: Literal["pending", "succeeded", "failed"]
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    created_at: datetime
    updated_at: datetime


class AttemptRead(_Strict):
    webhook_id: str
    attempted_at: datetime
    status_code: int | None
    latency_ms: float
    response_excerpt: str | None
    error_class: str | None


class RecoverIn(_Strict):
    since: AwareDatetime = Field(description="Recover the messages that failed, created since.")


class Requeued(_Strict):
    requeued: int


class TestSent(_Strict):
    webhook_id: str


# -- messages ----------------------------------------------------------------------------------


class MessageRead(_Strict):
    """A message as staff see it: no address, no values."""

    id: str
    channel: str
    template_name: str
    locale: str
    audience: str
    status: str
    attempts: int
    reason: str | None
    requested_at: datetime
    sent_at: datetime | None
    final_at: datetime | None


class PreviewIn(_Strict):
    locale: Locale = Locale.ID
    variables: dict[str, Any] = Field(default_factory=dict)
    timezone: RecipientTimezone | None = None


class PreviewRead(_Strict):
    subject: str
    text: str
    html: str
    sms: str
    sms_segments: int
    sms_encoding: str
    push_title: str
    push_body: str


class DeliveryReportIn(BaseModel):
    """A gateway's delivery report; gateways name the fields differently, all are accepted."""

    model_config = ConfigDict(extra="ignore")

    message_id: str | None = Field(None, max_length=200)
    messageId: str | None = Field(None, max_length=200)
    reference: str | None = Field(None, max_length=200)
    status: str = Field(min_length=1, max_length=64)

    @property
    def ref(self) -> str | None:
        return self.message_id or self.messageId or self.reference


class EraseIn(_Strict):
    recipient: str = Field(min_length=3, max_length=4096,
                           description="The e-mail address, phone number or push token.")


class Erased(_Strict):
    erased: int
