"""The notifications service's tables (SQLAlchemy Core), mirrored by ``notifications_0001``.

``messages`` holds each requested message from its inbox claim on; ``recipient`` and
``variables`` (contact data) are erased once the message is final plus the retention period,
``recipient_key`` (a keyed hash of the address) stays for preferences, dedupe and rate limits.
``complaint_agencies`` is this service's copy of each complaint's disposisi chain (from the
complaint events), which decides which agencies' webhook endpoints receive its events.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from shared.types import UtcDateTime

metadata = MetaData()
AutoId = BigInteger().with_variant(Integer, "sqlite")

messages = Table(
    "messages",
    metadata,
    Column("id", String(64), primary_key=True),  # the request's notification_id
    Column("channel", String(16), nullable=False),  # the channel tried now
    Column("requested_channel", String(16), nullable=False),
    Column("fallback_channels", JSON, nullable=False),
    Column("audience", String(16), nullable=False),
    Column("locale", String(8), nullable=False),
    Column("template_name", String(64), nullable=False),
    Column("recipient", Text, nullable=True),  # erased after the retention period
    Column("variables", JSON, nullable=True),  # erased with it
    Column("recipient_key", String(64), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("timezone", String(32), nullable=True),
    Column("digest", String(16), nullable=False),
    Column("complaint_id", String(64), nullable=True),
    Column("agency_id", String(64), nullable=True),
    Column("invitation_id", String(64), nullable=True),
    Column("causation_event_id", String(64), nullable=True),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime(), nullable=True),
    Column("lease_until", UtcDateTime(), nullable=True),
    Column("provider_id", String(200), nullable=True),
    Column("reason", String(32), nullable=True),
    Column("digest_of", String(64), nullable=True),  # the digest message that carried it
    Column("requested_at", UtcDateTime(), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("sent_at", UtcDateTime(), nullable=True),
    Column("final_at", UtcDateTime(), nullable=True),
    Column("erased_at", UtcDateTime(), nullable=True),
    Index("ix_messages_due", "status", "next_attempt_at"),
    Index("ix_messages_recipient", "recipient_key", "created_at"),
    Index("ix_messages_complaint", "complaint_id"),
    Index("ix_messages_provider", "provider_id"),
    Index("ix_messages_final", "final_at"),
)

preferences = Table(
    "preferences",
    metadata,
    Column("recipient_key", String(64), primary_key=True),
    Column("template_name", String(64), primary_key=True),
    Column("opted_out_at", UtcDateTime(), nullable=False),
)

complaint_agencies = Table(
    "complaint_agencies",
    metadata,
    Column("complaint_id", String(64), primary_key=True),
    Column("agency_id", String(64), primary_key=True),
    Column("first_seen_at", UtcDateTime(), nullable=False),
)

webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("agency_id", String(64), nullable=False),
    Column("url", Text, nullable=False),
    Column("description", String(500), nullable=False),
    Column("event_types", JSON, nullable=False),
    Column("ordering", String(16), nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("disabled_reason", String(32), nullable=True),
    Column("secret_enc", LargeBinary, nullable=False),  # AES-GCM under the service key
    Column("previous_secret_enc", LargeBinary, nullable=True),
    Column("previous_expires_at", UtcDateTime(), nullable=True),
    Column("contact_email", String(320), nullable=True),
    Column("rate_limit_per_s", Float, nullable=True),
    Column("failing_since", UtcDateTime(), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Index("ix_webhook_endpoints_agency", "agency_id"),
)

webhook_messages = Table(
    "webhook_messages",
    metadata,
    Column("seq", AutoId, primary_key=True, autoincrement=True),  # arrival order
    Column("endpoint_id", String(36), ForeignKey("webhook_endpoints.id", ondelete="CASCADE"),
           nullable=False),
    Column("event_id", String(64), nullable=False),  # the webhook-id
    Column("event_type", String(128), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("body", LargeBinary, nullable=False),  # exactly the bytes signed and sent
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime(), nullable=True),
    Column("lease_until", UtcDateTime(), nullable=True),
    Column("last_status_code", Integer, nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    UniqueConstraint("endpoint_id", "event_id", name="uq_webhook_messages_event"),
    Index("ix_webhook_messages_due", "status", "next_attempt_at"),
    Index("ix_webhook_messages_subject", "endpoint_id", "subject", "status", "seq"),
)

webhook_attempts = Table(
    "webhook_attempts",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("message_seq", AutoId, ForeignKey("webhook_messages.seq", ondelete="CASCADE"),
           nullable=False),
    Column("endpoint_id", String(36), nullable=False),
    Column("attempted_at", UtcDateTime(), nullable=False),
    Column("status_code", Integer, nullable=True),
    Column("latency_ms", Float, nullable=False),
    Column("response_excerpt", Text, nullable=True),  # the first 1 KB of the answer
    Column("error_class", String(64), nullable=True),
    Index("ix_webhook_attempts_message", "message_seq"),
    Index("ix_webhook_attempts_endpoint", "endpoint_id", "attempted_at"),
)
