"""The complaints service's event handlers, handed their events without a broker
(shared.testing.Deliverer: the same inbox claim and transaction a consumer uses). The same
handler also runs through the real broker in test_invitations.py."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from shared.events import SurveyInvitationCreatedV1, new_event
from shared.tables import outbox
from shared.testing import Deliverer


def invitation(complaint_id: str, invitation_id: str = "inv-1") -> SurveyInvitationCreatedV1:
    now = datetime.now(UTC)
    return SurveyInvitationCreatedV1(
        invitation_id=invitation_id, survey_id="svy-1", complaint_id=complaint_id,
        agency_id="dpupr-bdg", invitation_url=f"https://survei.example.id/i/{invitation_id}",
        expires_at=now + timedelta(days=14), occurred_at=now)


def deliverer(api) -> Deliverer:
    runtime = api.app.state.runtime
    [subscription] = [s for s in runtime.subscriptions if s.name == "survey-invitations"]
    return Deliverer(runtime.engine, subscription, source="/suara/surveys")


async def invitation_requests(api) -> list[dict]:
    async with api.app.state.runtime.engine.connect() as conn:
        rows = (await conn.execute(select(outbox.c.payload).where(
            outbox.c.event_type == "notification.requested.v1"))).scalars().all()
    return [json.loads(r)["data"] for r in rows if b"survey_invitation" in r]


async def test_an_invitation_is_sent_to_the_reporter_once(offline):
    filed = await offline.file()
    deliver = deliverer(offline)
    event = new_event(invitation(filed["id"]), source="/suara/surveys")

    handled = await deliver(event)
    assert handled.outcome == "handled"
    [request] = [e.data for e in handled.published]
    assert request.recipient == "siti@example.id" and request.invitation_id == "inv-1"
    assert request.template_variables["invitation_url"] == "https://survei.example.id/i/inv-1"
    assert (await deliver(event)).outcome == "duplicate"  # a redelivery: skipped
    assert len(await invitation_requests(offline)) == 1


async def test_nobody_to_tell_publishes_nothing(offline):
    anonymous = await offline.file(privacy="anonymous", reporter=None)
    deliver = deliverer(offline)
    for complaint_id, invitation_id in ((anonymous["id"], "inv-anon"), ("elsewhere", "inv-x")):
        handled = await deliver(invitation(complaint_id, invitation_id))
        assert (handled.outcome, handled.published) == ("handled", ())
    assert await invitation_requests(offline) == []
