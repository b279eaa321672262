"""Whistle-blower protection: a confidential reporter's identity reaches no officer, no event
and no log line; an anonymous one is never stored. Only notification.requested, on its
restricted topic, may carry a contact, and only to write to the reporter."""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import select

from services.complaints.models import complaints
from shared.auth import Role
from shared.logging import configure_logging
from shared.tables import outbox

NAME, EMAIL, PHONE = "Rahmat Hidayatullah", "rahmat.whistle@example.id", "+6281298765432"
SECRETS = (NAME, EMAIL, PHONE, "whistle", "98765432")


def leaks(text: str) -> list[str]:
    return [s for s in SECRETS if s in text]


@pytest.fixture
def debug_logging():  # the services' own logging set-up, at its most verbose
    configure_logging("json", "DEBUG")
    yield
    configure_logging("console", "INFO")


async def test_confidential_and_anonymous_reporters_leak_nowhere(api, capfd, caplog,
                                                                 debug_logging):
    caplog.set_level(logging.DEBUG)
    reporter = {"name": NAME, "email": EMAIL, "phone": PHONE}
    confidential = await api.file(privacy="confidential", reporter=reporter,
                                  title="Pungutan liar di loket", description="Petugas minta "
                                  "uang tambahan untuk mempercepat izin.")
    anonymous = await api.file(privacy="anonymous", reporter=None,
                               title="Pungli di loket", description="Diminta uang tambahan.")
    responses = [json.dumps(confidential), json.dumps(anonymous)]
    officer = api.token(Role.OFFICER, agency="dpupr-bdg")
    supervisor = api.token(Role.SUPERVISOR, agency="pemkot-bdg")
    for cid in (confidential["id"], anonymous["id"]):
        for action, body in (("verify", {}), ("start", {}), ("notes", {"body": "diselidiki"}),
                             ("respond", {"body": "Petugas sudah ditegur."}), ("resolve", {})):
            r = await api.client.post(f"/v1/complaints/{cid}/{action}", json=body,
                                      headers=officer)
            assert r.status_code == 200, r.text
            responses.append(r.text)
        for headers in (officer, supervisor, api.token(Role.ADMIN)):
            view = await api.client.get(f"/v1/complaints/{cid}", headers=headers)
            assert view.json()["reporter"] is None
            responses.append(view.text)
    responses.append((await api.client.get("/v1/complaints", headers=officer)).text)
    responses.append((await api.client.get("/v1/complaints?overdue=false",
                                           headers=supervisor)).text)
    # the reporter, with the token, sees their own identity: that view is theirs alone
    mine = await api.client.get(f"/v1/track/{confidential['tracking_code']}",
                                headers={"X-Tracking-Token": confidential["token"]})
    assert mine.json()["reporter"]["email"] == EMAIL

    assert [leaks(r) for r in responses if leaks(r)] == []

    async with api.app.state.runtime.engine.connect() as conn:
        events = (await conn.execute(select(outbox.c.topic, outbox.c.event_type,
                                            outbox.c.payload))).all()
        anon = (await conn.execute(select(complaints).where(
            complaints.c.id == anonymous["id"]))).one()
    domain_events = [e for e in events if e.event_type != "notification.requested.v1"]
    assert len(domain_events) >= 10  # 2 x filed, verified, started, responded, resolved
    assert [e.event_type for e in domain_events if leaks(e.payload.decode())] == []
    requests = [e for e in events if e.event_type == "notification.requested.v1"]
    assert requests and all(e.topic == "suara.notification-requests" for e in requests)
    assert all(json.loads(e.payload)["data"]["recipient"] == EMAIL for e in requests)
    # anonymous: nothing of the reporter stored at all, so nobody is ever notified
    assert (anon.reporter_name, anon.reporter_email, anon.reporter_phone) == (None,) * 3

    out, err = capfd.readouterr()
    assert leaks(out + err + caplog.text) == []
