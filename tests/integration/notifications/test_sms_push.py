"""SMS and WhatsApp through the gateway adapters (JSON and the Indonesian form-encoded
style) and push in the FCM HTTP v1 format, against the local fake providers
(services/notifications/devtools.py); delivery reports; quiet hours in the recipient's zone;
the WhatsApp -> SMS fallback; provider 500 then 200; the per-recipient rate limit; the
officers' daily digest. SQLite and PostgreSQL."""

from __future__ import annotations

from collections import deque
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from services.notifications.devtools import FCM_BAD_MESSAGE, Mailbox, providers_app
from services.notifications.domain.sms import count_segments
from services.notifications.models import messages
from shared.tables import outbox
from tests.integration.notifications.conftest import make_settings, serve
from tests.integration.notifications.receiver import Served

STATUS = {"tracking_code": "SR-7K2QX9", "status": "in_progress",
          "tracking_url": "https://lapor.example/t/SR-7K2QX9"}


@pytest.fixture
async def providers():
    box = Mailbox()
    served = await Served(providers_app(box)).start()
    served.box = box
    yield served
    await served.stop()


@pytest.fixture
async def gsvc(database_url, smtp, clock, providers):
    settings = make_settings(
        database_url, smtp_port=smtp.port,
        sms_gateway_url=providers.url("/json/sms"),
        whatsapp_gateway_style="form", whatsapp_gateway_url=providers.url("/form/whatsapp"),
        gateway_user_key="u-key", gateway_pass_key="p-key",
        fcm_url=providers.url("/fcm"), fcm_access_token="ya29.test-token")
    async for s in serve(settings, clock, background=False):
        yield s


async def row(svc, message_id):
    async with svc.runtime.engine.connect() as conn:
        return (await conn.execute(select(messages).where(messages.c.id == message_id))).one()


async def types(svc) -> list[str]:
    async with svc.runtime.engine.connect() as conn:
        return list((await conn.execute(select(outbox.c.event_type).order_by(outbox.c.id)))
                    .scalars())


async def test_sms_through_the_json_gateway_then_its_delivery_report(gsvc, providers):
    await gsvc.request(notification_id="sms-1", channel="sms", recipient="+6281234567890",
                       template_name="complaint_status_changed", template_variables=STATUS)
    await gsvc.send_due()
    [sms] = providers.box.of("sms")
    assert sms.to == "+6281234567890" and "SR-7K2QX9" in sms.body
    assert sms.headers["idempotency-key"] == "sms-1"
    assert count_segments(sms.body).count <= 2
    sent = await row(gsvc, "sms-1")
    assert (sent.status, sent.provider_id) == ("sent", sms.id)
    bad = await gsvc.client.post("/v1/providers/sms/dlr", json={
        "message_id": sms.id, "status": "DELIVRD"}, headers={"X-Suara-DLR-Secret": "wrong"})
    assert bad.status_code == 401
    ok = await gsvc.client.post("/v1/providers/sms/dlr", json={
        "message_id": sms.id, "status": "DELIVRD"},
        headers={"X-Suara-DLR-Secret": gsvc.settings.dlr_secret.get_secret_value()})
    assert ok.json() == {"status": "delivered"}
    assert (await row(gsvc, "sms-1")).status == "delivered"
    assert await types(gsvc) == ["notification.delivered.v1", "notification.delivered.v1"]


async def test_whatsapp_form_style_gateway(gsvc, providers):
    await gsvc.request(notification_id="wa-1", channel="whatsapp", recipient="+6281234567890",
                       template_name="complaint_status_changed", template_variables=STATUS)
    await gsvc.send_due()
    [wa] = providers.box.of("whatsapp")
    assert wa.to == "+6281234567890"
    assert (await row(gsvc, "wa-1")).provider_id == wa.id
    form_dlr = await gsvc.client.post(
        "/v1/providers/whatsapp/dlr", data={"messageId": wa.id, "status": "failed"},
        params={"secret": gsvc.settings.dlr_secret.get_secret_value()})
    assert form_dlr.json() == {"status": "failed"}
    assert (await types(gsvc))[-1] == "notification.failed.v1"


async def test_whatsapp_falls_back_to_sms_when_the_gateway_refuses(gsvc, providers):
    providers.box.script["/form/whatsapp"] = deque([400])
    await gsvc.request(notification_id="fb-1", channel="whatsapp", recipient="+6281234567890",
                       fallback_channels=["sms"], template_name="complaint_status_changed",
                       template_variables=STATUS)
    await gsvc.send_due()  # whatsapp refused for good: sms next, at once
    await gsvc.send_due()
    assert providers.box.of("whatsapp") == [] and len(providers.box.of("sms")) == 1
    done = await row(gsvc, "fb-1")
    assert (done.status, done.channel, done.requested_channel) == ("sent", "sms", "whatsapp")


async def test_without_a_whatsapp_provider_the_sms_fallback_goes_at_once(
        database_url, smtp, clock, providers):
    settings = make_settings(database_url, smtp_port=smtp.port, whatsapp_gateway_url="",
                             sms_gateway_url=providers.url("/json/sms"))
    async for svc in serve(settings, clock, background=False):
        await svc.request(notification_id="fb-2", channel="whatsapp",
                          recipient="+6281234567890", fallback_channels=["sms"],
                          template_name="complaint_status_changed", template_variables=STATUS)
        await svc.request(notification_id="wa-only", channel="whatsapp",
                          recipient="+6281234567890", template_name="complaint_status_changed",
                          template_variables=STATUS | {"status": "verified"})
        await svc.send_due()  # no whatsapp channel: refused for good, sms next, at once
        await svc.send_due()
        assert len(providers.box.of("sms")) == 1 and providers.box.of("whatsapp") == []
        done, alone = await row(svc, "fb-2"), await row(svc, "wa-only")
        assert (done.status, done.channel, done.requested_channel) == ("sent", "sms", "whatsapp")
        assert (alone.status, alone.reason) == ("failed", "rejected_by_provider")


@pytest.mark.parametrize("answer", [404, 400])  # FCM's UNREGISTERED, INVALID_ARGUMENT
async def test_a_push_to_a_dead_token_fails_as_invalid_recipient(gsvc, providers, answer):
    providers.box.script["/fcm"] = deque([answer])
    await gsvc.request(notification_id="p-dead", channel="push", recipient="fcm-token-gone",
                       template_name="complaint_status_changed", template_variables=STATUS)
    await gsvc.send_due()
    done = await row(gsvc, "p-dead")
    assert (done.status, done.reason, done.attempts) == ("failed", "invalid_recipient", 1)
    async with gsvc.runtime.engine.connect() as conn:
        [failed] = (await conn.execute(select(outbox.c.payload).where(
            outbox.c.event_type == "notification.failed.v1"))).scalars().all()
    assert '"invalid_recipient"' in str(failed) and "fcm-token-gone" not in str(failed)


async def test_fcm_refusing_our_message_keeps_the_token(gsvc, providers):
    """A 400 whose details name a field of the message (google.rpc.BadRequest) is our bug,
    not a dead token: the push fails without invalid_recipient, so complaints keeps it."""
    providers.box.script["/fcm"] = deque([FCM_BAD_MESSAGE])
    await gsvc.request(notification_id="p-bad", channel="push", recipient="fcm-token-alive",
                       template_name="complaint_status_changed", template_variables=STATUS)
    await gsvc.send_due()
    done = await row(gsvc, "p-bad")
    assert done.status == "failed" and done.reason == "rejected_by_provider", done


async def test_provider_500_then_200_retries_with_the_same_key(gsvc, providers, clock):
    providers.box.script["/json/sms"] = deque([500, 503])
    await gsvc.request(notification_id="r-1", channel="sms", recipient="+6281234567890",
                       template_name="complaint_status_changed", template_variables=STATUS)
    for _ in range(3):
        await gsvc.send_due()
        clock.advance(minutes=5)
    [sms] = providers.box.of("sms")
    assert sms.headers["idempotency-key"] == "r-1"
    assert (await row(gsvc, "r-1")).attempts == 3


async def test_quiet_hours_in_the_recipients_zone(gsvc, providers, clock):
    clock.now = datetime(2026, 12, 1, 14, 30, tzinfo=UTC)  # 21:30 WIB, 23:30 WIT
    await gsvc.request(notification_id="q-wib", channel="sms", recipient="+6281111111111",
                       template_name="complaint_status_changed", template_variables=STATUS)
    await gsvc.request(notification_id="q-mail", recipient="quiet@example.id",
                       template_name="complaint_status_changed", template_variables=STATUS)
    await gsvc.send_due()
    assert providers.box.of("sms") == []  # e-mail is not held back
    held = await row(gsvc, "q-wib")
    assert held.status == "queued"
    assert held.next_attempt_at == datetime(2026, 12, 2, 0, 0, tzinfo=UTC)  # 07:00 WIB
    clock.now = datetime(2026, 12, 1, 21, 30, tzinfo=UTC)  # 04:30 WIB next day: still quiet
    await gsvc.send_due()
    assert providers.box.of("sms") == []
    clock.now = datetime(2026, 12, 2, 0, 1, tzinfo=UTC)
    await gsvc.send_due()
    assert len(providers.box.of("sms")) == 1
    clock.now = datetime(2026, 12, 2, 13, 30, tzinfo=UTC)  # 20:30 WIB but 22:30 WIT
    await gsvc.request(notification_id="q-wit", channel="sms", recipient="+6282222222222",
                       recipient_timezone="Asia/Jayapura",
                       template_name="complaint_status_changed", template_variables=STATUS)
    await gsvc.send_due()
    assert (await row(gsvc, "q-wit")).next_attempt_at == datetime(2026, 12, 2, 22, 0,
                                                                  tzinfo=UTC)  # 07:00 WIT


async def test_push_in_the_fcm_v1_format(gsvc, providers):
    await gsvc.request(notification_id="p-1", channel="push", recipient="fcm-token-abc",
                       locale="en", template_name="complaint_status_changed",
                       template_variables=STATUS)
    await gsvc.send_due()
    [push] = providers.box.of("push")
    assert push.to == "fcm-token-abc" and push.subject == "Complaint status"
    assert push.headers["authorization"] == "Bearer ya29.test-token"
    assert (await row(gsvc, "p-1")).provider_id == push.id


async def test_the_per_recipient_rate_limit_delays_never_drops(gsvc, smtp, clock):
    limit = gsvc.settings.rate_limit_per_hour
    for i in range(limit + 3):
        await gsvc.request(notification_id=f"rl-{i}", template_name="complaint_status_changed",
                           template_variables=STATUS | {"status": f"s{i}"})
    await gsvc.send_due()
    assert len(smtp.inbox.messages) == limit
    clock.advance(minutes=61)
    await gsvc.send_due()
    assert len(smtp.inbox.messages) == limit + 3


async def test_officers_daily_digest_and_the_immediate_breach(gsvc, smtp, clock):
    base = {"audience": "officer", "recipient": "pengaduan@dpupr.go.id",
            "template_name": "sla_reminder", "agency_id": "dpupr-bdg"}
    for i, kind in enumerate(["warning", "warning", "warning"]):
        await gsvc.request(notification_id=f"d-{i}", digest="daily", **base,
                           template_variables={"tracking_code": f"SR-00{i}", "kind": kind,
                                               "deadline": "first_response",
                                               "due_at": "2026-12-02T03:00:00+00:00"})
    await gsvc.request(notification_id="breach-1", **base, template_variables={
        "tracking_code": "SR-999", "kind": "breach", "deadline": "resolution",
        "due_at": "2026-12-01T06:00:00+00:00"})
    await gsvc.send_due()
    [breach] = smtp.inbox.messages
    assert breach["Subject"].startswith("Tenggat terlewati: SR-999")
    clock.now = datetime(2026, 12, 2, 0, 0, 1, tzinfo=UTC)  # 07:00 WIB
    await gsvc.send_due()
    [_, digest] = smtp.inbox.messages
    assert digest["Subject"] == "Ringkasan tenggat pengaduan: 3 perlu perhatian"
    text = digest.get_body(preferencelist=("plain",)).get_content()
    assert all(f"SR-00{i}" in text for i in range(3))
    assert {(await row(gsvc, f"d-{i}")).status for i in range(3)} == {"sent"}
