"""What the webhook repository hands back: typed, immutable records of stored rows.

Records are the storage's shape, read once (every timestamp aware, in UTC: the columns are
``UtcDateTime``); the use cases return them and ``views.py`` turns them into HTTP models.
A ``StoredEndpoint`` carries no secret, so nothing a read route is given can leak one: the
sealed secrets travel only in a ``SigningEndpoint``, which the dispatcher and the rotation
read and no route ever sees. Nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

#: the values of ``domain.webhooks.Ordering`` and ``MessageStatus``, as stored
OrderingValue = Literal["unordered", "per_subject"]
MessageStatusValue = Literal["pending", "succeeded", "failed"]


@dataclass(frozen=True, slots=True)
class StoredEndpoint:
    """An agency's webhook endpoint, as stored, without its secrets."""

    id: str
    agency_id: str
    url: str
    description: str
    event_types: tuple[str, ...]
    ordering: OrderingValue
    enabled: bool
    disabled_reason: str | None
    contact_email: str | None
    rate_limit_per_s: float | None
    failing_since: datetime | None
    #: until when the previous secret still signs beside the current one (after a rotation)
    previous_expires_at: datetime | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class SigningEndpoint:
    """An endpoint with its signing secrets, sealed (AES-GCM under the service key): what the
    dispatcher signs with and a rotation keeps beside the new one. Never leaves the service."""

    endpoint: StoredEndpoint
    secret_enc: bytes
    previous_secret_enc: bytes | None


@dataclass(frozen=True, slots=True)
class StoredMessage:
    """A message queued for an endpoint, without its body."""

    seq: int
    event_id: str  # the webhook-id
    event_type: str
    subject: str
    status: MessageStatusValue
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class StoredAttempt:
    """One delivery attempt of a message, as recorded."""

    event_id: str  # the message's webhook-id
    attempted_at: datetime
    status_code: int | None
    latency_ms: float
    response_excerpt: str | None
    error_class: str | None


@dataclass(frozen=True, slots=True)
class Delivery:
    """A pending message the dispatcher leases: the exact bytes to sign and send, and the
    attempts made so far."""

    seq: int
    endpoint_id: str
    event_id: str
    event_type: str
    body: bytes
    attempts: int
