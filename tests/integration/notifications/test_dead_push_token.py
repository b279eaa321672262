"""End to end over HTTP and the real broker (issue 10): the reporter's app registered a push
token FCM no longer knows; the notifications service's push is answered 404 UNREGISTERED by
the fake FCM, it publishes notification.failed (invalid_recipient) on suara.notifications, and
the complaints service's consumer group notification-outcomes forgets the token, so the next
step's messages go by e-mail only. SQLite and PostgreSQL (the notifications database)."""

from __future__ import annotations

import asyncio
from collections import deque
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import select

from services.complaints.app import create_app as complaints_app
from services.complaints.models import complaints as complaints_table
from services.complaints.settings import ComplaintsSettings
from services.notifications.devtools import Mailbox, providers_app
from shared.auth import Role, mint_token
from shared.broker import ensure_topics
from shared.topics import all_topic_names
from tests.integration.notifications.conftest import make_settings, serve
from tests.integration.notifications.receiver import Served

pytestmark = pytest.mark.broker
DEVICE = "fcm-" + "a1B2_c3:D4-" * 8


async def connected(runtime) -> None:
    for consumer in runtime.consumers:
        for _ in range(100):
            if consumer.connected:
                break
            await asyncio.sleep(0.1)


async def test_a_push_fcm_calls_unregistered_drops_the_reporter_s_token(
        broker, database_url, topic_prefix, smtp, clock, tmp_path):
    await ensure_topics(broker.bootstrap, all_topic_names(topic_prefix))
    box = Mailbox()
    box.script["/fcm"] = deque([404])
    fcm = await Served(providers_app(box)).start()
    common = {"kafka_bootstrap": broker.bootstrap, "topic_prefix": topic_prefix,
              "kafka_session_timeout_ms": 2000, "relay_poll_interval_s": 0.2,
              "relay_enabled": True}
    c_settings = ComplaintsSettings(environment="test",
                                    database_url=f"sqlite+aiosqlite:///{tmp_path}/c.db",
                                    sla_scan_interval_s=3600, **common)
    n_settings = make_settings(database_url, smtp_port=smtp.port, fcm_url=fcm.url("/fcm"),
                               fcm_access_token="ya29.test-token", **common)
    clock.now = datetime.now(UTC)  # real time: the consumers' messages carry it
    capp = complaints_app(c_settings)
    try:
        async with capp.router.lifespan_context(capp):
            async with httpx.AsyncClient(transport=httpx.ASGITransport(capp),
                                         base_url="http://complaints") as c:
                admin = {"Authorization": "Bearer " + mint_token(
                    c_settings, subject="root", roles=[Role.ADMIN], agency_id=None)}
                assert (await c.post("/v1/agencies", headers=admin, json={
                    "id": "dpupr-bdg", "name_id": "Dinas PUPR Kota Bandung",
                    "name_en": "Bandung Public Works", "kind": "unit"})).status_code == 201
                assert (await c.post("/v1/categories", headers=admin, json={
                    "code": "JALAN-RUSAK", "agency_id": "dpupr-bdg", "name_id": "Jalan rusak",
                    "name_en": "Damaged road", "complexity": "normal",
                    "attributes": []})).status_code == 201
                async for n in serve(n_settings, clock, background=True):
                    await connected(n.runtime)
                    await connected(capp.state.runtime)
                    await run(c, c_settings, capp, box, smtp)
    finally:
        await fcm.stop()


async def token_of(capp, complaint_id: str) -> str | None:
    async with capp.state.runtime.engine.connect() as conn:
        return (await conn.execute(select(complaints_table.c.reporter_push_token).where(
            complaints_table.c.id == complaint_id))).scalar_one()


async def run(c, c_settings, capp, box, smtp) -> None:
    r = await c.post("/v1/complaints", json={
        "title": "Jalan berlubang", "category_code": "JALAN-RUSAK",
        "description": "Lubang besar di depan sekolah.",
        "reporter": {"email": "budi@example.id"}})
    assert r.status_code == 201, r.text
    filed = r.json()
    await smtp.inbox.wait_for(1, timeout=60)
    r = await c.put(f"/v1/track/{filed['tracking_code']}/device", json={"push_token": DEVICE},
                    headers={"X-Tracking-Token": filed["token"]})
    assert r.status_code == 204, r.text
    officer = {"Authorization": "Bearer " + mint_token(
        c_settings, subject="o-1", roles=[Role.OFFICER], agency_id="dpupr-bdg")}
    assert (await c.post(f"/v1/complaints/{filed['id']}/verify", json={},
                         headers=officer)).status_code == 200
    for _ in range(300):  # push refused -> notification.failed -> the complaints consumer
        if await token_of(capp, filed["id"]) is None:
            break
        await asyncio.sleep(0.1)
    assert await token_of(capp, filed["id"]) is None
    assert box.of("push") == []  # the one attempt was refused (404), none accepted
    await smtp.inbox.wait_for(2, timeout=60)  # the e-mail went as before
