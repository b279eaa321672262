"""Events of the notifications service.

``notification.requested`` is the only event type allowed to carry contact data (a recipient's
e-mail address, phone number or push token, and template variables that may hold a name). It
travels on its own restricted topic, ``suara.notification-requests``, that only the
notifications service may read. What the notifications service reports back
(``notification.delivered``, ``notification.failed``, ``webhook.delivery_failed``) goes on
``suara.notifications`` and names nobody: ids, channel and reason only.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import AwareDatetime, Field, model_validator

from shared.events.envelope import EventPayload
from shared.topics import Topic

Id = Annotated[str, Field(min_length=1, max_length=64)]
TemplateValue = str | int | float | bool | None

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


class NotificationChannel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    PUSH = "push"
    WHATSAPP = "whatsapp"


#: The recipient's time zone, for quiet hours (SMS and WhatsApp are not sent at night):
#: WIB, WITA, WIT.
RecipientTimezone = Literal["Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"]


class Locale(StrEnum):
    """Language of the message: Bahasa Indonesia or English."""

    ID = "id"
    EN = "en"


class FailureReason(StrEnum):
    """Why a notification was given up on (never the provider's text: it may echo the address)."""

    INVALID_RECIPIENT = "invalid_recipient"
    BOUNCED = "bounced"
    REJECTED_BY_PROVIDER = "rejected_by_provider"
    PROVIDER_UNAVAILABLE = "provider_unavailable"
    TEMPLATE_ERROR = "template_error"
    OPTED_OUT = "opted_out"
    EXPIRED = "expired"


class NotificationRequested(EventPayload):
    """Ask the notifications service to send one message. Holds contact data: restricted topic."""

    event_type = "notification.requested.v1"
    topic = Topic.NOTIFICATION_REQUESTS
    key_field = "notification_id"

    notification_id: Id = Field(description="The notification; sending is idempotent on it.")
    channel: NotificationChannel = Field(description="How to send it.")
    recipient: str = Field(
        min_length=1, max_length=4096, repr=False,
        description="E-mail address, E.164 phone number or push token, as the channel needs.",
    )
    audience: Literal["citizen", "officer"] = Field(description="Who the recipient is.")
    locale: Locale = Field(description="Language of the message.")
    template_name: str = Field(
        min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_.]*$",
        description="The message template, e.g. complaint_status_changed.",
    )
    template_variables: dict[str, TemplateValue] = Field(
        default_factory=dict, repr=False, description="Values the template fills in."
    )
    complaint_id: Id | None = Field(None, description="The complaint it is about, if any.")
    invitation_id: Id | None = Field(None, description="The survey invitation sent, if any.")
    causation_event_id: Id | None = Field(
        None, description="Id of the event that caused this request, if any."
    )
    occurred_at: AwareDatetime = Field(description="When the notification was requested.")
    # -- optional, added compatibly (older producers leave them out) -------------------------
    fallback_channels: list[NotificationChannel] = Field(
        default_factory=list, max_length=2,
        description="Channels to try, in order, with the same recipient, when the first one "
        "fails for good: only sms after whatsapp (both need the phone number).")
    digest: Literal["immediate", "daily"] = Field(
        "immediate", description="daily: collected with the recipient's other daily messages "
        "into one digest sent each morning (officers' SLA warnings); immediate: sent now.")
    recipient_timezone: RecipientTimezone | None = Field(
        None, description="The recipient's time zone (quiet hours, digest time, dates in the "
        "message); default Asia/Jakarta (WIB).")
    agency_id: Id | None = Field(
        None, description="The agency a message to officers is for (their notification "
        "address), if any.")

    @model_validator(mode="after")
    def _recipient_fits_channel(self) -> Self:
        for channel in (self.channel, *self.fallback_channels):
            if channel is NotificationChannel.EMAIL and not _EMAIL.match(self.recipient):
                raise ValueError("recipient is not an e-mail address")
            if channel in (NotificationChannel.SMS, NotificationChannel.WHATSAPP) and not (
                    _E164.match(self.recipient)):
                raise ValueError("recipient is not an E.164 phone number (+62...)")
        if any(c is self.channel for c in self.fallback_channels):
            raise ValueError("a fallback channel repeats the channel")
        return self


class NotificationDelivered(EventPayload):
    """The provider accepted or delivered the message."""

    event_type = "notification.delivered.v1"
    topic = Topic.NOTIFICATIONS
    key_field = "notification_id"

    notification_id: Id = Field(description="The notification delivered.")
    channel: NotificationChannel = Field(description="How it was sent.")
    attempts: int = Field(ge=1, description="Attempts it took.")
    occurred_at: AwareDatetime = Field(description="When it was delivered.")
    stage: Literal["accepted", "delivered"] = Field(
        "accepted", description="accepted: the provider took the message (e-mail, push, and "
        "SMS/WhatsApp at sending); delivered: the provider's delivery report confirmed it "
        "reached the handset (SMS, WhatsApp).")


class NotificationFailed(EventPayload):
    """The notification was given up on."""

    event_type = "notification.failed.v1"
    topic = Topic.NOTIFICATIONS
    key_field = "notification_id"

    notification_id: Id = Field(description="The notification that failed.")
    channel: NotificationChannel = Field(description="How it was to be sent.")
    reason: FailureReason = Field(description="Why it failed.")
    attempts: int = Field(ge=0, description="Attempts made (0 if refused before sending).")
    occurred_at: AwareDatetime = Field(description="When it was given up on.")


class WebhookDeliveryFailed(EventPayload):
    """A signed webhook to an integrating agency failed after its last retry."""

    event_type = "webhook.delivery_failed.v1"
    topic = Topic.NOTIFICATIONS
    key_field = "subscription_id"

    subscription_id: Id = Field(description="The webhook subscription.")
    event_id: Id = Field(description="Id of the event whose delivery failed.")
    failed_event_type: str = Field(
        min_length=1, max_length=128, description="Type of that event, e.g. complaint.filed.v1."
    )
    attempts: int = Field(ge=1, description="Attempts made.")
    last_status_code: int | None = Field(
        None, ge=100, le=599,
        description="HTTP status of the last attempt; None if no response (timeout, refused).",
    )
    occurred_at: AwareDatetime = Field(description="When delivery was given up on.")


class WebhookEndpointDisabled(EventPayload):
    """A webhook endpoint was disabled: its receiver answered 410 Gone, or every delivery
    failed for days. The agency's staff should fix it and enable it again."""

    event_type = "webhook.endpoint_disabled.v1"
    topic = Topic.NOTIFICATIONS
    key_field = "subscription_id"

    subscription_id: Id = Field(description="The webhook endpoint (subscription).")
    agency_id: Id = Field(description="The agency that owns it.")
    url: str = Field(min_length=1, max_length=2048, description="The endpoint's URL.")
    reason: Literal["gone", "failing"] = Field(
        description="gone: the receiver answered 410; failing: every delivery failed for the "
        "configured number of days.")
    failing_since: AwareDatetime | None = Field(
        None, description="Since when deliveries failed without a success (reason failing).")
    occurred_at: AwareDatetime = Field(description="When it was disabled.")
