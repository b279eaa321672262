"""The notifications domain's pure rules: SMS segments, quiet hours, retries, lifecycle,
rate limit, event-type patterns, SSRF address rules, the signature (against the independent
standardwebhooks package)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from standardwebhooks.webhooks import Webhook

from services.notifications.domain import messages as m
from services.notifications.domain import webhooks as w
from services.notifications.domain.sms import count_segments, fit

T0 = datetime(2026, 12, 1, 7, 5, tzinfo=UTC)


# -- SMS segments -----------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "encoding", "count"), [
    ("", "gsm7", 0),
    ("a" * 160, "gsm7", 1),
    ("a" * 161, "gsm7", 2),
    ("a" * 306, "gsm7", 2),
    ("a" * 307, "gsm7", 3),
    ("€" * 80, "gsm7", 1),  # extension characters take two septets
    ("€" * 81, "gsm7", 2),
    ("é" * 160, "gsm7", 1),  # in the basic table
    ("ê" * 70, "ucs2", 1),  # not in GSM-7: the whole body is UCS-2
    ("ê" * 71, "ucs2", 2),
    ("😀" * 35, "ucs2", 1),  # outside the BMP: two UTF-16 units each
    ("😀" * 36, "ucs2", 2),
])
def test_segments_are_counted_as_handsets_count_them(text, encoding, count):
    got = count_segments(text)
    assert (got.encoding, got.count) == (encoding, count)


def test_an_extension_character_is_never_split_between_segments():
    text = "a" * 152 + "€" + "a" * 10  # 152 + 2 septets: the € opens the second segment
    assert count_segments(text).count == 2


@given(st.text(max_size=600), st.sampled_from(["", " https://lapor.example/t/SR-7K2QX9"]))
def test_fit_keeps_any_body_within_two_segments_and_keeps_the_link(text, tail):
    fitted = fit(text, keep_tail=tail)
    assert count_segments(fitted).count <= 2
    assert fitted.endswith(tail)


# -- quiet hours, digest time, rate limit ------------------------------------------------------

QUIET = m.QuietHours.parse("21:00", "07:00")


@pytest.mark.parametrize(("utc", "allowed"), [
    (datetime(2026, 12, 1, 7, 0, tzinfo=UTC), None),  # 14:00 WIB: now
    (datetime(2026, 12, 1, 13, 59, tzinfo=UTC), None),  # 20:59 WIB: now
    (datetime(2026, 12, 1, 14, 0, tzinfo=UTC), datetime(2026, 12, 2, 0, 0, tzinfo=UTC)),
    (datetime(2026, 12, 1, 20, 0, tzinfo=UTC), datetime(2026, 12, 2, 0, 0, tzinfo=UTC)),
    (datetime(2026, 12, 1, 23, 59, tzinfo=UTC), datetime(2026, 12, 2, 0, 0, tzinfo=UTC)),
    (datetime(2026, 12, 2, 0, 0, tzinfo=UTC), None),  # 07:00 WIB: now
])
def test_quiet_hours_in_wib(utc, allowed):
    assert QUIET.next_allowed(utc, "Asia/Jakarta") == (allowed or utc)


def test_quiet_hours_follow_the_recipients_zone():
    at = datetime(2026, 12, 1, 13, 30, tzinfo=UTC)  # 20:30 WIB, 21:30 WITA, 22:30 WIT
    assert QUIET.next_allowed(at, "Asia/Jakarta") == at
    assert QUIET.next_allowed(at, "Asia/Makassar") == datetime(2026, 12, 1, 23, 0, tzinfo=UTC)
    assert QUIET.next_allowed(at, "Asia/Jayapura") == datetime(2026, 12, 1, 22, 0, tzinfo=UTC)


def test_the_digest_goes_out_at_the_next_local_morning():
    assert m.next_digest_at(T0, None, 7) == datetime(2026, 12, 2, 0, 0, tzinfo=UTC)
    early = datetime(2026, 11, 30, 23, 0, tzinfo=UTC)  # 06:00 WIB
    assert m.next_digest_at(early, None, 7) == datetime(2026, 12, 1, 0, 0, tzinfo=UTC)


def test_the_rate_limit_admits_the_next_message_an_hour_after_the_oldest_counted():
    sent = [T0 - timedelta(minutes=50), T0 - timedelta(minutes=10), T0 - timedelta(hours=2)]
    assert m.rate_limited_until(sent, T0, per_hour=3) is None
    assert m.rate_limited_until(sent, T0, per_hour=2) == T0 + timedelta(minutes=10)


# -- the message lifecycle --------------------------------------------------------------------

def test_a_transient_failure_is_retried_then_the_fallback_channel_then_failed():
    down = m.Outcome(ok=False, transient=True, reason="provider_unavailable")
    nxt = m.after_attempt(outcome=down, channel="whatsapp", fallbacks=["sms"], attempts=1,
                          max_attempts=3, now=T0, jitter=0)
    assert (nxt.status, nxt.channel, nxt.next_attempt_at) == ("queued", "whatsapp",
                                                              T0 + timedelta(seconds=30))
    nxt = m.after_attempt(outcome=down, channel="whatsapp", fallbacks=["sms"], attempts=3,
                          max_attempts=3, now=T0, jitter=0)
    assert (nxt.status, nxt.channel, nxt.attempts, nxt.next_attempt_at) == ("queued", "sms",
                                                                           0, T0)
    nxt = m.after_attempt(outcome=down, channel="sms", fallbacks=[], attempts=3,
                          max_attempts=3, now=T0)
    assert (nxt.status, nxt.reason) == ("failed", "provider_unavailable")
    refused = m.Outcome(ok=False, reason="invalid_recipient")
    nxt = m.after_attempt(outcome=refused, channel="sms", fallbacks=[], attempts=1,
                          max_attempts=3, now=T0)
    assert (nxt.status, nxt.reason) == ("failed", "invalid_recipient")


def test_retry_after_is_honoured():
    slow = m.Outcome(ok=False, transient=True, retry_after=timedelta(minutes=7))
    nxt = m.after_attempt(outcome=slow, channel="sms", fallbacks=[], attempts=1,
                          max_attempts=5, now=T0, jitter=0)
    assert nxt.next_attempt_at == T0 + timedelta(minutes=7)


def test_sent_is_final_only_for_channels_without_delivery_reports():
    assert m.is_final("sent", "email") and m.is_final("sent", "push")
    assert not m.is_final("sent", "sms") and m.is_final("delivered", "sms")


# -- webhooks ---------------------------------------------------------------------------------

def test_the_delivery_schedule_is_the_issues():
    waits = [w.next_attempt_delay(n, jitter=0) for n in range(w.MAX_ATTEMPTS)]
    assert waits == [timedelta(0), timedelta(seconds=5), timedelta(minutes=5),
                     timedelta(minutes=30), timedelta(hours=2), timedelta(hours=5),
                     timedelta(hours=10), timedelta(hours=10)]
    assert w.next_attempt_delay(w.MAX_ATTEMPTS) is None
    assert w.next_attempt_delay(1, jitter=0.1) == timedelta(seconds=5.5)
    assert w.next_attempt_delay(1, retry_after=timedelta(seconds=90), jitter=0) == timedelta(
        seconds=90)
    assert w.next_attempt_delay(1, retry_after=timedelta(days=3), jitter=0) == timedelta(
        hours=10)


def test_retry_after_as_seconds_or_an_http_date():
    assert w.parse_retry_after("120", T0) == timedelta(seconds=120)
    assert w.parse_retry_after("Tue, 01 Dec 2026 07:06:00 GMT", T0) == timedelta(seconds=60)
    assert w.parse_retry_after("soon", T0) is None


CATALOGUE = ["complaint.filed.v1", "complaint.resolved.v1", "survey.period_closed.v1"]


def test_patterns_are_exact_types_aggregate_wildcards_or_everything():
    assert w.validate_patterns(["complaint.*", "survey.period_closed.v1", "complaint.*"],
                               CATALOGUE) == ["complaint.*", "survey.period_closed.v1"]
    for bad in ("complaint.exploded.v1", "kpi.*", "complaint.filed", "notification.*"):
        with pytest.raises(w.InvalidPattern):
            w.validate_patterns([bad], CATALOGUE)
    assert w.matches(["complaint.*"], "complaint.filed.v1")
    assert not w.matches(["complaint.*"], "survey.period_closed.v1")
    assert w.matches(["*"], "anything.v1")


POLICY = w.AddressPolicy(allow_loopback=False, require_https=True)


@pytest.mark.parametrize("address", [
    "10.0.0.1", "172.16.5.4", "192.168.1.1", "127.0.0.1", "169.254.169.254", "100.64.0.1",
    "0.0.0.0", "::1", "fe80::1", "fd00:ec2::254", "::ffff:10.0.0.1", "224.0.0.1"])
def test_private_loopback_link_local_and_metadata_addresses_are_refused(address):
    with pytest.raises(w.RefusedAddress):
        POLICY.check_address("hooks.example.org", address)


def test_public_addresses_pass_and_listed_hosts_may_be_private():
    POLICY.check_address("hooks.example.org", "93.184.216.34")
    listed = w.AddressPolicy(allow_loopback=False, require_https=True,
                             allowed_hosts=frozenset({"gateway.internal"}))
    listed.check_address("gateway.internal", "10.0.0.7")
    with pytest.raises(w.RefusedAddress):  # metadata, even when listed
        listed.check_address("gateway.internal", "169.254.169.254")


@pytest.mark.parametrize("url", ["http://example.org/x", "ftp://example.org/x",
                                 "https://user:pw@example.org/x", "https://localhost/x",
                                 "https://127.0.0.1/x", "https:///x"])
def test_urls_refused_in_production(url):
    with pytest.raises(w.RefusedAddress):
        POLICY.check_url(url)


def test_loopback_allowed_in_development():
    dev = w.AddressPolicy(allow_loopback=True, require_https=False)
    assert dev.check_url("http://127.0.0.1:8080/hook") == ("http", "127.0.0.1", 8080)
    assert dev.check_url("http://localhost/hook")[1] == "localhost"


def test_our_signature_is_the_one_standard_webhooks_verifies():
    key = bytes(range(32))
    secret = w.format_secret(key)
    body = b'{"type":"complaint.filed.v1"}'
    stamp = int(datetime.now(UTC).timestamp())
    headers = {"webhook-id": "msg_1", "webhook-timestamp": str(stamp),
               "webhook-signature": w.signature_header([key, b"other-key" * 4], "msg_1",
                                                       stamp, body)}
    assert Webhook(secret).verify(body, headers) == {"type": "complaint.filed.v1"}
    assert Webhook(secret).sign("msg_1", datetime.fromtimestamp(stamp, UTC), body.decode()
                                ) == w.sign(key, "msg_1", stamp, body)
    assert w.secret_bytes(secret) == key and base64.b64decode(secret[6:]) == key


def test_the_records_literal_values_are_the_domains():
    from typing import get_args

    from services.notifications.records import MessageStatusValue, OrderingValue

    assert set(get_args(OrderingValue)) == {str(o) for o in w.Ordering}
    assert set(get_args(MessageStatusValue)) == {str(s) for s in w.MessageStatus}
