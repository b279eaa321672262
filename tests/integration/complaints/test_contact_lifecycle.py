"""The reporter's contact over time (issue 10): erased after the retention once a complaint
is closed or rejected; a push token FCM no longer knows dropped on ``notification.failed``;
a phone-only reporter told by WhatsApp with SMS as the fallback. Handlers are handed their
events without a broker (shared.testing.Deliverer: the consumer's inbox and transaction)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from services.complaints.models import complaints, push_requests
from services.complaints.service import ContactRetention
from shared.auth import Role
from shared.events import NotificationFailed, SurveyInvitationCreatedV1, new_event
from shared.events.notifications import FailureReason, NotificationChannel
from shared.tables import outbox
from shared.testing import Deliverer

DEVICE = "fcm-" + "a1B2_c3:D4-" * 8
CONTACT = ("reporter_name", "reporter_email", "reporter_phone", "reporter_push_token")


def deliverer(api, name: str) -> Deliverer:
    runtime = api.app.state.runtime
    [subscription] = [s for s in runtime.subscriptions if s.name == name]
    return Deliverer(runtime.engine, subscription, source="/suara/tests")


async def requests(api, complaint_id: str) -> list[dict]:
    async with api.app.state.runtime.engine.connect() as conn:
        rows = (await conn.execute(select(outbox.c.payload).where(
            outbox.c.event_type == "notification.requested.v1"))).scalars().all()
    return [d for d in (json.loads(r)["data"] for r in rows)
            if d["complaint_id"] == complaint_id]


async def row(api, complaint_id: str):
    async with api.app.state.runtime.engine.connect() as conn:
        return (await conn.execute(select(complaints).where(
            complaints.c.id == complaint_id))).one()


async def register(api, filed: dict, token: str) -> int:
    r = await api.client.put(f"/v1/track/{filed['tracking_code']}/device",
                             json={"push_token": token},
                             headers={"X-Tracking-Token": filed["token"]})
    return r.status_code


def invitation(complaint_id: str) -> SurveyInvitationCreatedV1:
    now = datetime.now(UTC)
    return SurveyInvitationCreatedV1(
        invitation_id="inv-late", survey_id="svy-1", complaint_id=complaint_id,
        agency_id="dpupr-bdg", invitation_url="https://survei.example.id/i/inv-late",
        expires_at=now + timedelta(days=14), occurred_at=now)


async def test_a_closed_complaint_s_contact_is_erased_after_the_retention(offline):
    api = offline
    officer = api.token(Role.OFFICER, agency="dpupr-bdg")
    closed, still_open = await api.file(), await api.file()
    assert await register(api, closed, DEVICE) == 204
    r = await api.client.post(f"/v1/complaints/{closed['id']}/reject", headers=officer,
                              json={"reason": "not_in_scope"})
    assert r.status_code == 200, r.text
    retention = ContactRetention(runtime=api.app.state.runtime, settings=api.settings)
    window = timedelta(days=api.settings.contact_retention_days)
    now = api.complaints.now()

    assert (await retention.erase(now=now + window - timedelta(hours=1))).contacts_erased == 0
    assert (await row(api, closed["id"])).reporter_email == "siti@example.id"
    counts = await retention.erase(now=now + window + timedelta(hours=1))
    assert counts.contacts_erased == 1
    erased = await row(api, closed["id"])
    assert [getattr(erased, c) for c in CONTACT] == [None] * 4
    assert erased.contact_erased_at is not None
    kept = await row(api, still_open["id"])  # open: the contact is still needed
    assert (kept.reporter_email, kept.reporter_phone, kept.contact_erased_at) == (
        "siti@example.id", "+6281234567890", None)
    assert (await retention.erase(now=now + 2 * window)).contacts_erased == 0  # done once

    # it behaves like a complaint whose reporter left no contact
    before = len(await requests(api, closed["id"]))
    handled = await deliverer(api, "survey-invitations")(invitation(closed["id"]))
    assert (handled.outcome, handled.published) == ("handled", ())
    assert len(await requests(api, closed["id"])) == before
    staff = await api.client.get(f"/v1/complaints/{closed['id']}", headers=officer)
    assert staff.status_code == 200 and "siti@example.id" not in staff.text
    tracked = await api.client.get(f"/v1/track/{closed['tracking_code']}",
                                   headers={"X-Tracking-Token": closed["token"]})
    assert tracked.status_code == 200, tracked.text
    assert await register(api, closed, DEVICE) == 422  # nothing more to tell it


async def test_a_push_token_fcm_no_longer_knows_is_forgotten_once(offline):
    api = offline
    officer = api.token(Role.OFFICER, agency="dpupr-bdg")
    filed = await api.file()
    assert await register(api, filed, DEVICE) == 204
    assert (await api.client.post(f"/v1/complaints/{filed['id']}/verify", json={},
                                  headers=officer)).status_code == 200
    [pushed] = [d for d in await requests(api, filed["id"]) if d["channel"] == "push"]
    async with api.app.state.runtime.engine.connect() as conn:
        stored = (await conn.execute(select(push_requests))).all()
    assert [(p.notification_id, p.complaint_id) for p in stored] == [
        (pushed["notification_id"], filed["id"])]
    assert DEVICE not in str(stored)  # only its hash

    deliver = deliverer(api, "notification-outcomes")

    def failed(reason: FailureReason, channel: NotificationChannel = NotificationChannel.PUSH,
               notification_id: str = pushed["notification_id"]) -> NotificationFailed:
        return NotificationFailed(notification_id=notification_id, channel=channel,
                                  reason=reason, attempts=1, occurred_at=datetime.now(UTC))

    # other reasons and requests not ours change nothing
    for other in (failed(FailureReason.PROVIDER_UNAVAILABLE),
                  failed(FailureReason.INVALID_RECIPIENT, notification_id="someone-else")):
        assert (await deliver(other)).outcome == "handled"
    assert (await row(api, filed["id"])).reporter_push_token == DEVICE

    event = new_event(failed(FailureReason.INVALID_RECIPIENT), source="/suara/notifications")
    assert (await deliver(event)).outcome == "handled"
    assert (await row(api, filed["id"])).reporter_push_token is None
    assert (await deliver(event)).outcome == "duplicate"  # the inbox: once

    # the app registers a new token; the old one's failure arriving late keeps it
    fresh = "fcm-" + "Z9y8_x7:W6-" * 8
    assert await register(api, filed, fresh) == 204
    late = new_event(failed(FailureReason.INVALID_RECIPIENT), source="/suara/notifications")
    assert (await deliver(late)).outcome == "handled"
    assert (await row(api, filed["id"])).reporter_push_token == fresh
    # the e-mail is untouched
    assert (await row(api, filed["id"])).reporter_email == "siti@example.id"

    # the token hashes are purged with the retention task
    retention = ContactRetention(runtime=api.app.state.runtime, settings=api.settings)
    counts = await retention.erase(now=api.complaints.now() + timedelta(days=31))
    assert counts.push_requests_purged == 1


async def test_a_phone_only_reporter_is_told_by_whatsapp_with_sms_as_fallback(offline):
    api = offline
    filed = await api.file(reporter={"name": "Budi", "phone": "+6281298765432"})
    [message] = await requests(api, filed["id"])
    assert (message["channel"], message["fallback_channels"], message["recipient"]) == (
        "whatsapp", ["sms"], "+6281298765432")
    by_mail = await api.file()
    [mail] = await requests(api, by_mail["id"])
    assert (mail["channel"], mail["fallback_channels"]) == ("email", [])


async def test_a_resolved_complaint_keeps_its_contact_and_a_reopen_still_notifies(offline):
    api = offline
    officer = api.token(Role.OFFICER, agency="dpupr-bdg")
    filed = await api.file()
    for step, body in (("verify", {}), ("start", {}), ("respond", {"body": "Dijadwalkan."}),
                       ("resolve", {})):
        r = await api.client.post(f"/v1/complaints/{filed['id']}/{step}", json=body,
                                  headers=officer)
        assert r.status_code == 200, (step, r.text)
    retention = ContactRetention(runtime=api.app.state.runtime, settings=api.settings)
    far = api.complaints.now() + timedelta(days=api.settings.contact_retention_days + 30)
    assert (await retention.erase(now=far)).contacts_erased == 0  # resolved is not terminal
    r = await api.client.post(f"/v1/track/{filed['tracking_code']}/reopen",
                              json={"reason": "Masih berlubang"},
                              headers={"X-Tracking-Token": filed["token"]})
    assert r.status_code == 200, r.text
    [reopened] = [d for d in await requests(api, filed["id"])
                  if d["template_variables"].get("status") == "reopened"]
    assert reopened["recipient"] == "siti@example.id"
