"""End to end over HTTP and the real broker: the real complaints app files a complaint, its
notification request travels on the restricted topic, this service sends the e-mail, aiosmtpd
receives it; an agency's webhook endpoint receives the complaint's events. SQLite and
PostgreSQL.

The resolution notice's links (docs/notifications.md, "What producers send") are followed to
the end: the one-time survey link is answered at the real surveys app, which got the
invitation from complaint.resolved on the broker."""

from __future__ import annotations

import asyncio
import json
import re
import uuid

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from services.complaints.app import create_app as complaints_app
from services.complaints.settings import ComplaintsSettings
from services.surveys.app import create_app as surveys_app
from services.surveys.settings import SurveysSettings
from shared.auth import Role, mint_token
from shared.broker import ensure_topics
from shared.topics import all_topic_names
from tests.integration.notifications.conftest import make_settings, serve
from tests.integration.notifications.receiver import Receiver

pytestmark = pytest.mark.broker
ROAD = {"code": "JALAN-RUSAK", "agency_id": "dpupr-bdg", "name_id": "Jalan rusak",
        "name_en": "Damaged road", "complexity": "normal", "attributes": []}


@pytest.fixture
async def platform(broker, database_url, topic_prefix, smtp, clock, tmp_path):
    await ensure_topics(broker.bootstrap, all_topic_names(topic_prefix))
    common = {"kafka_bootstrap": broker.bootstrap, "topic_prefix": topic_prefix,
              "kafka_session_timeout_ms": 2000, "relay_poll_interval_s": 0.2,
              "relay_enabled": True}
    c_settings = ComplaintsSettings(environment="test",
                                    database_url=f"sqlite+aiosqlite:///{tmp_path}/c.db",
                                    sla_scan_interval_s=3600,
                                    surveys_public_url="http://surveys", **common)
    n_settings = make_settings(database_url, smtp_port=smtp.port, **common)
    from datetime import UTC, datetime
    clock.now = datetime.now(UTC)  # real time: the consumers' messages carry it
    receiver = await Receiver().start()
    capp = complaints_app(c_settings)
    async with capp.router.lifespan_context(capp):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(capp),
                                     base_url="http://complaints") as c:
            admin = {"Authorization": "Bearer " + mint_token(
                c_settings, subject="root", roles=[Role.ADMIN], agency_id=None)}
            r = await c.post("/v1/agencies", headers=admin, json={
                "id": "dpupr-bdg", "name_id": "Dinas PUPR Kota Bandung",
                "name_en": "Bandung Public Works", "kind": "unit"})
            assert r.status_code == 201, r.text
            assert (await c.post("/v1/categories", json=ROAD, headers=admin)).status_code == 201
            async for n in serve(n_settings, clock, background=True):
                yield c, c_settings, n, receiver
    await receiver.stop()


async def test_filing_with_an_email_sends_the_tracking_link_and_webhooks(platform, smtp):
    complaints, c_settings, notifications, receiver = platform
    hook = await notifications.client.post("/v1/webhooks", headers=notifications.auth(), json={
        "url": receiver.url(), "event_types": ["complaint.*"]})
    assert hook.status_code == 201, hook.text
    secret = hook.json()["secret"]
    for consumer in notifications.runtime.consumers:  # joined their groups
        for _ in range(100):
            if consumer.connected:
                break
            await asyncio.sleep(0.1)
    r = await complaints.post("/v1/complaints", json={
        "title": "Jalan berlubang di Jl. Merdeka", "category_code": "JALAN-RUSAK",
        "description": "Lubang besar di depan sekolah, berbahaya untuk motor.",
        "locale": "en",
        "reporter": {"name": "Siti Aminah", "email": "siti@example.id",
                     "phone": "+6281234567890"}})
    assert r.status_code == 201, r.text
    filed = r.json()
    [mail] = await smtp.inbox.wait_for(1, timeout=60)
    assert mail["To"] == "siti@example.id"
    assert filed["tracking_code"] in mail["Subject"] and mail["Subject"].startswith("Your")
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert filed["tracking_code"] in text and "http" in text
    await receiver.wait_for(1, timeout=30)
    body = Webhook(secret).verify(receiver.received[0].body, receiver.received[0].headers)
    assert body["type"] == "complaint.filed.v1"
    assert body["data"]["complaint_id"] == filed["id"]
    assert "siti" not in json.dumps(body).lower()

    officer = {"Authorization": "Bearer " + mint_token(
        c_settings, subject="o-1", roles=[Role.OFFICER], agency_id="dpupr-bdg")}
    for step, body_ in (("verify", {"complexity": "simple"}), ("start", {}),
                        ("respond", {"body": "Sudah kami jadwalkan perbaikannya."}),
                        ("resolve", {"note": "Lubang sudah ditambal."})):
        r = await complaints.post(f"/v1/complaints/{filed['id']}/{step}", json=body_,
                                  headers=officer)
        assert r.status_code == 200, (step, r.text)
    mails = await smtp.inbox.wait_for(5, timeout=60)
    assert all(m["To"] == "siti@example.id" for m in mails)
    assert len({m["Message-ID"] for m in mails}) == 5
    staff = await notifications.client.get(
        f"/v1/complaints/{filed['id']}/notifications",
        headers=notifications.auth(Role.OFFICER))
    assert staff.status_code == 200, staff.text
    assert len(staff.json()) == 5 and "siti" not in staff.text
    await receiver.wait_for(5, timeout=30)  # filed, verified, started, responded, resolved:
    # each once, in order for this complaint's key


@pytest.fixture
async def surveys(broker, topic_prefix, tmp_path):
    """The surveys service beside the platform: it consumes complaint.resolved from the real
    broker and stores the invitation under the hash the complaints service published."""
    settings = SurveysSettings(environment="test", public_url="http://surveys",
                               database_url=f"sqlite+aiosqlite:///{tmp_path}/s.db",
                               kafka_bootstrap=broker.bootstrap, topic_prefix=topic_prefix,
                               kafka_session_timeout_ms=2000, relay_enabled=False)
    app = surveys_app(settings)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app),
                                     base_url="http://surveys") as client:
            yield client


async def test_resolution_notice_carries_the_rating_and_survey_links(platform, surveys, smtp):
    """File -> the tracking link with the token in the fragment; answered -> its own message;
    resolved -> the rating link and the one-time survey link, which the citizen answers."""
    complaints, c_settings, _, _ = platform
    assert c_settings.surveys_public_url == "http://surveys"
    r = await complaints.post("/v1/complaints", json={
        "title": "Jalan berlubang", "category_code": "JALAN-RUSAK",
        "description": "Lubang besar di depan sekolah.",
        "reporter": {"email": "budi@example.id"}})
    assert r.status_code == 201, r.text
    filed = r.json()
    [received] = await smtp.inbox.wait_for(1, timeout=60)
    text = received.get_body(preferencelist=("plain",)).get_content()
    code, token = filed["tracking_code"], filed["token"]
    assert f"/lacak#c={code}&t={token}" in text  # the token only in the fragment
    officer = {"Authorization": "Bearer " + mint_token(
        c_settings, subject="o-1", roles=[Role.OFFICER], agency_id="dpupr-bdg")}
    for step, body_ in (("verify", {}), ("start", {}),
                        ("respond", {"body": "Sudah dijadwalkan."}),
                        ("resolve", {})):
        r = await complaints.post(f"/v1/complaints/{filed['id']}/{step}", json=body_,
                                  headers=officer)
        assert r.status_code == 200, (step, r.text)
    mails = await smtp.inbox.wait_for(5, timeout=60)
    subjects = [m["Subject"] for m in mails]
    assert sum("ditanggapi" in s for s in subjects) == 1, subjects  # complaint_answered
    resolved = next(m for m in mails if "selesai" in m["Subject"])
    text = resolved.get_body(preferencelist=("plain",)).get_content()
    assert f"/lacak#c={code}&do=rate" in text and token not in text
    assert "survei" in text.lower()
    [link] = re.findall(r"http://surveys/v1/invitations/[A-Za-z0-9_-]{43}", text)
    html = resolved.get_body(preferencelist=("html",)).get_content()
    assert link in html
    path = link.removeprefix("http://surveys")
    for _ in range(300):  # the invitation arrives with complaint.resolved, through the broker
        opened = await surveys.get(path)
        if opened.json().get("status") != "pending":
            break
        await asyncio.sleep(0.1)
    assert opened.status_code == 200 and opened.json()["status"] == "open", opened.text
    answers = {i["code"]: 4 for i in opened.json()["items"] if i["code"] != "suggestion"}
    answered = await surveys.post(f"{path}/responses", json={
        "response_id": str(uuid.uuid4()), "answers": answers})
    assert answered.status_code == 201, answered.text
    assert (await surveys.get(path)).json()["status"] == "used"
