"""Which channel a reporter's notification request takes (mapping.notification, pure):
e-mail when there is one; a phone-only reporter WhatsApp with SMS as fallback, or SMS alone
(``phone_channel``); a device token alone, push; nobody, nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.complaints import domain
from services.complaints.mapping import Contact, notification, push, token_sha256

NOW = datetime(2026, 12, 1, 7, 5, tzinfo=UTC)
COMPLAINT = domain.Complaint.file(complaint_id="c-1", tracking_code="SRA-AAA-AAA-AAA",
                                  actor=domain.Actor(domain.Role.CITIZEN, "citizen"), now=NOW)
PHONE = "+6281234567890"


def request(contact: Contact | None):
    return notification(cause_id="e-1", c=COMPLAINT, contact=contact,
                        template="complaint_status_changed", occurred_at=NOW,
                        variables={"status": "verified", "tracking_url": "https://x/lacak"})


@pytest.mark.parametrize(("contact", "channel", "fallback", "recipient"), [
    (Contact(email="a@example.id", phone=PHONE, locale="id"), "email", [], "a@example.id"),
    (Contact(email=None, phone=PHONE, locale="id"), "whatsapp", ["sms"], PHONE),
    (Contact(email=None, phone=PHONE, locale="id", phone_channel="sms"), "sms", [], PHONE),
    (Contact(email=None, phone=None, locale="id", push_token="t" * 40), "push", [], "t" * 40),
])
def test_the_channel_follows_what_the_reporter_left(contact, channel, fallback, recipient):
    message = request(contact)
    assert message is not None
    assert (message.channel, message.fallback_channels, message.recipient) == (
        channel, fallback, recipient)


def test_nobody_to_tell_means_no_request():
    assert request(None) is None
    assert request(Contact(email=None, phone=None, locale="id")) is None


def test_the_push_copy_has_no_fallback_and_its_token_is_kept_only_hashed():
    message = request(Contact(email=None, phone=PHONE, locale="id"))
    assert message is not None
    pushed = push(message, "t" * 40)
    assert (pushed.channel, pushed.fallback_channels) == ("push", [])
    assert pushed.notification_id != message.notification_id
    assert len(token_sha256("t" * 40)) == 64 and "t" * 40 not in token_sha256("t" * 40)
