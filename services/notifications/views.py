"""Results -> HTTP models: what the routes answer. Pure; a secret reaches a model only where
it is shown once (``endpoint_created``: at creation; ``secret_rotated``: at a rotation)."""

from __future__ import annotations

from services.notifications.domain.sms import count_segments
from services.notifications.records import StoredAttempt, StoredEndpoint, StoredMessage
from services.notifications.rendering import Rendered
from services.notifications.schemas import (
    AttemptRead,
    MessageRead,
    PreviewRead,
    SecretRotated,
    WebhookCreated,
    WebhookMessageRead,
    WebhookRead,
)
from services.notifications.service.messages import MessageView
from services.notifications.service.webhooks import EndpointCreated, SecretRotation


def endpoint_read(e: StoredEndpoint) -> WebhookRead:
    return WebhookRead(id=e.id, agency_id=e.agency_id, url=e.url, description=e.description,
                       event_types=list(e.event_types), ordering=e.ordering, enabled=e.enabled,
                       disabled_reason=e.disabled_reason, rate_limit_per_s=e.rate_limit_per_s,
                       failing_since=e.failing_since, rotation_ends_at=e.previous_expires_at,
                       created_at=e.created_at, updated_at=e.updated_at)


def endpoint_created(created: EndpointCreated) -> WebhookCreated:
    """The new endpoint and its secret, shown this once."""
    return WebhookCreated(**endpoint_read(created.endpoint).model_dump(), secret=created.secret)


def secret_rotated(rotation: SecretRotation) -> SecretRotated:
    return SecretRotated(id=rotation.endpoint_id, secret=rotation.secret,
                         previous_valid_until=rotation.overlap_ends)


def webhook_message_read(m: StoredMessage) -> WebhookMessageRead:
    return WebhookMessageRead(webhook_id=m.event_id, event_type=m.event_type,
                              subject=m.subject, status=m.status, attempts=m.attempts,
                              next_attempt_at=m.next_attempt_at,
                              last_status_code=m.last_status_code, created_at=m.created_at,
                              updated_at=m.updated_at)


def attempt_read(a: StoredAttempt) -> AttemptRead:
    return AttemptRead(webhook_id=a.event_id, attempted_at=a.attempted_at,
                       status_code=a.status_code, latency_ms=a.latency_ms,
                       response_excerpt=a.response_excerpt, error_class=a.error_class)


def message_read(m: MessageView) -> MessageRead:
    return MessageRead(id=m.id, channel=m.channel, template_name=m.template_name,
                       locale=m.locale, audience=m.audience, status=m.status,
                       attempts=m.attempts, reason=m.reason, requested_at=m.requested_at,
                       sent_at=m.sent_at, final_at=m.final_at)


def preview_read(r: Rendered) -> PreviewRead:
    segments = count_segments(r.sms)
    return PreviewRead(subject=r.subject, text=r.text, html=r.html, sms=r.sms,
                       sms_segments=segments.count, sms_encoding=segments.encoding,
                       push_title=r.push_title, push_body=r.push_body)
