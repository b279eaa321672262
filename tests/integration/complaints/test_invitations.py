"""A survey invitation for a resolved complaint reaches its reporter: the complaints service,
which owns the contact, turns survey.invitation_created into a notification request."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

from aiokafka import AIOKafkaProducer
from sqlalchemy import select

from shared.events import SurveyInvitationCreatedV1, new_event
from shared.tables import outbox


async def test_invitation_created_becomes_a_notification_to_the_reporter(api, broker):
    filed = await api.file()
    invitation = SurveyInvitationCreatedV1(
        invitation_id="inv-1", survey_id="svy-1", complaint_id=filed["id"],
        agency_id="dpupr-bdg", invitation_url="https://survei.example.id/i/abc",
        expires_at=datetime.now(UTC) + timedelta(days=14), occurred_at=datetime.now(UTC))
    event = new_event(invitation, source="/suara/surveys")
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, acks="all")
    await producer.start()
    try:
        for _ in range(2):  # delivered twice: handled once
            await producer.send_and_wait(f"{api.settings.topic_prefix}suara.surveys",
                                         event.model_dump_json().encode(),
                                         key=b"inv-1")
    finally:
        await producer.stop()

    async def requests() -> list[dict]:
        async with api.app.state.runtime.engine.connect() as conn:
            rows = (await conn.execute(select(outbox.c.payload).where(
                outbox.c.event_type == "notification.requested.v1"))).scalars().all()
        return [json.loads(r)["data"] for r in rows if b"survey_invitation" in r]

    for _ in range(100):
        if await requests():
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(1.0)
    sent = await requests()
    assert len(sent) == 1
    assert sent[0]["recipient"] == "siti@example.id"
    assert sent[0]["invitation_id"] == "inv-1"
    assert sent[0]["template_variables"]["invitation_url"] == invitation.invitation_url
