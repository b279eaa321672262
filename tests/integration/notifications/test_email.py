"""E-mail to citizens through a real SMTP server (aiosmtpd): content, language, lifecycle,
outages, refusals, opt-out, dedupe, erasure; SQLite and PostgreSQL."""

from __future__ import annotations

import re

from sqlalchemy import select

from services.notifications.models import messages
from shared.events import parse_event
from shared.tables import outbox


async def outbox_events(svc) -> list:
    async with svc.runtime.engine.connect() as conn:
        rows = (await conn.execute(select(outbox.c.payload).order_by(outbox.c.id))).all()
    return [parse_event(r.payload) for r in rows]


async def message_row(svc, message_id: str):
    async with svc.runtime.engine.connect() as conn:
        return (await conn.execute(select(messages).where(messages.c.id == message_id))).one()


async def test_a_requested_email_arrives_in_the_reporters_language(svc, smtp):
    request = await svc.request(notification_id="n-1", template_variables={
        "tracking_code": "SR-7K2QX9", "status": "submitted",
        "tracking_url": "https://lapor.example/t/SR-7K2QX9",
        "filed_at": "2026-12-01T07:05:00+00:00"})
    assert await svc.send_due() == 1
    [mail] = smtp.inbox.to("siti@example.id")
    assert mail["Subject"] == "Pengaduan Anda diterima: SR-7K2QX9"
    assert mail["Message-ID"] == "<n-1@suara.localhost>"
    text = mail.get_body(preferencelist=("plain",)).get_content()
    html = mail.get_body(preferencelist=("html",)).get_content()
    assert "https://lapor.example/t/SR-7K2QX9" in text
    assert "Selasa, 1 Desember 2026 pukul 14.05 WIB" in text
    assert 'href="https://lapor.example/t/SR-7K2QX9"' in html
    row = await message_row(svc, request.notification_id)
    assert (row.status, row.attempts) == ("sent", 1)
    [event] = await outbox_events(svc)
    assert event.type == "notification.delivered.v1"
    assert event.data.notification_id == "n-1" and event.data.channel == "email"
    assert "siti" not in event.model_dump_json()  # ids, channel and reason only


async def test_english_and_the_fallback_to_indonesian(svc, smtp):
    await svc.request(notification_id="n-en", locale="en", recipient="ann@example.org")
    await svc.send_due()
    [mail] = smtp.inbox.to("ann@example.org")
    assert mail["Subject"] == "Your complaint was received: SR-7K2QX9"


async def test_smtp_down_then_up_delivers_once_with_the_same_message_id(svc, smtp, clock):
    smtp.stop()
    await svc.request(notification_id="n-down")
    await svc.send_due()
    row = await message_row(svc, "n-down")
    assert (row.status, row.attempts) == ("queued", 1)
    assert row.next_attempt_at > clock()
    assert await svc.send_due() == 0  # not due yet: the back-off holds
    smtp.start()
    clock.advance(minutes=1)
    assert await svc.send_due() == 1
    [mail] = smtp.inbox.messages
    assert mail["Message-ID"] == "<n-down@suara.localhost>"
    row = await message_row(svc, "n-down")
    assert (row.status, row.attempts) == ("sent", 2)


async def test_a_permanent_refusal_fails_the_message(svc, smtp):
    smtp.inbox.refuse_with = "554 5.7.1 Message rejected"
    await svc.request(notification_id="n-refused")
    await svc.send_due()
    row = await message_row(svc, "n-refused")
    assert (row.status, row.reason) == ("failed", "rejected_by_provider")
    [event] = await outbox_events(svc)
    assert event.type == "notification.failed.v1"
    assert event.data.reason == "rejected_by_provider"


async def test_opt_out_by_the_signed_link_except_for_the_tracking_code(svc, smtp):
    status = {"tracking_code": "SR-7K2QX9", "status": "in_progress",
              "tracking_url": "https://lapor.example/t/SR-7K2QX9"}
    await svc.request(notification_id="n-s1", template_name="complaint_status_changed",
                      template_variables=status)
    await svc.send_due()
    [mail] = smtp.inbox.messages
    link = re.search(r"<(http[^>]+)>", mail["List-Unsubscribe"]).group(1)
    path = link.split("8004", 1)[1]
    tampered = await svc.client.get(path.replace("k=complaint_status", "k=complaint_resolved"))
    assert tampered.status_code == 400
    page = await svc.client.get(path)
    assert page.status_code == 200 and "Berhenti berlangganan berhasil" in page.text
    await svc.request(notification_id="n-s2", template_name="complaint_status_changed",
                      template_variables=status | {"status": "responded"})
    await svc.request(notification_id="n-f2", template_variables={
        "tracking_code": "SR-OTHER1", "status": "submitted", "tracking_url": "https://l/t"})
    await svc.send_due()
    assert (await message_row(svc, "n-s2")).reason == "opted_out"
    assert [m["Message-ID"] for m in smtp.inbox.messages][1:] == ["<n-f2@suara.localhost>"]
    filed = smtp.inbox.messages[1]
    assert filed["List-Unsubscribe"] is None  # transactional: no opt-out offered


async def test_the_same_message_twice_within_the_window_is_sent_once(svc, smtp):
    await svc.request(notification_id="n-a")
    await svc.request(notification_id="n-b")  # same recipient, kind, values
    await svc.request(notification_id="n-a")  # the producer's retry: same id
    await svc.send_due()
    assert len(smtp.inbox.messages) == 1
    assert (await message_row(svc, "n-b")).status == "suppressed"


async def test_staff_see_a_complaints_messages_without_the_address(svc, smtp):
    await svc.request(notification_id="n-staff", complaint_id="c-9")
    await svc.send_due()
    async with svc.runtime.unit_of_work() as uow:  # the chain comes from complaint events
        from services.notifications.repository import webhooks as repo
        await repo.add_to_chain(uow.conn, "c-9", ["dpupr-bdg"], svc.clock())
    r = await svc.client.get("/v1/complaints/c-9/notifications",
                             headers=svc.auth(svc_role("officer")))
    assert r.status_code == 200, r.text
    [item] = r.json()
    assert item["status"] == "sent" and item["template_name"] == "complaint_filed"
    assert "siti" not in r.text
    other = await svc.client.get("/v1/complaints/c-9/notifications",
                                 headers=svc.auth(svc_role("officer"), agency="dinkes-bdg"))
    assert other.status_code == 404


async def test_contact_data_is_erased_after_the_retention_period(svc, smtp, clock):
    await svc.request(notification_id="n-old")
    await svc.send_due()
    assert await svc.messages.purge() == 0
    clock.advance(days=31)
    assert await svc.messages.purge() == 1
    row = await message_row(svc, "n-old")
    assert row.recipient is None and row.variables is None and row.status == "sent"


def svc_role(name: str):
    from shared.auth import Role

    return Role(name)


async def test_admins_preview_a_template(svc):
    from shared.auth import Role

    r = await svc.client.post("/v1/templates/complaint_resolved/preview", headers=svc.auth(),
                              json={"locale": "en", "variables": {
                                  "tracking_code": "SR-1", "tracking_url": "https://l/t",
                                  "rating_url": "https://l/r"}})
    assert r.status_code == 200, r.text
    assert r.json()["subject"] == "Complaint SR-1 resolved"
    assert r.json()["sms_segments"] == 1 and r.json()["sms_encoding"] == "gsm7"
    missing = await svc.client.post("/v1/templates/complaint_resolved/preview",
                                    headers=svc.auth(), json={"variables": {}})
    assert missing.status_code == 422 and missing.json()["field"] == "variables"
    unknown = await svc.client.post("/v1/templates/nope/preview", headers=svc.auth(), json={})
    assert unknown.status_code == 404
    officer = await svc.client.post("/v1/templates/complaint_filed/preview",
                                    headers=svc.auth(Role.OFFICER), json={})
    assert officer.status_code == 403


async def test_erasure_on_request_fails_what_is_still_queued(svc, smtp, clock):
    await svc.request(notification_id="e-sent")
    await svc.send_due()
    smtp.stop()
    await svc.request(notification_id="e-queued", template_name="complaint_status_changed",
                      template_variables={"tracking_code": "SR-7K2QX9", "status": "verified",
                                          "tracking_url": "https://l/t"})
    await svc.send_due()  # SMTP down: stays queued
    r = await svc.client.post("/v1/erasures", headers=svc.auth(),
                              json={"recipient": "SITI@example.id"})
    assert r.json() == {"erased": 2}
    clock.advance(minutes=5)
    await svc.send_due()
    queued = await message_row(svc, "e-queued")
    assert (queued.status, queued.reason, queued.recipient) == ("failed", "expired", None)
    assert (await message_row(svc, "e-sent")).recipient is None
