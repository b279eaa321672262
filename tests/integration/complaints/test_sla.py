"""SLA in working days: warnings one working day before, breaches after, exactly once per
deadline even with two schedulers scanning at once; auto-close after an unanswered response."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

from sqlalchemy import select

from services.complaints.models import complaints
from shared.auth import Role
from shared.tables import outbox


async def deadlines(api, cid: str) -> dict:
    async with api.app.state.runtime.engine.connect() as conn:
        row = (await conn.execute(select(complaints).where(complaints.c.id == cid))).one()
    return {k: getattr(row, k) for k in ("verify_by", "forward_by",
                                                 "first_response_by", "resolve_by")}


async def test_warnings_and_breaches_go_out_once_per_deadline(api):
    cid = (await api.file())["id"]
    svc, scanner = api.complaints, api.scanner()
    scan = scanner.scan
    due = await deadlines(api, cid)
    warn_at = svc.policy.warning_time(due["verify_by"]) + timedelta(minutes=1)

    early = await scan(now=svc.now())  # three working days to go
    assert early.warning == early.examined == 0  # not due yet: not even looked at
    first = await scan(now=warn_at)
    assert first.warning >= 2  # verification and forwarding are due together
    again = await scan(now=warn_at + timedelta(minutes=5))
    assert again.warning == again.examined == 0  # warned deadlines are left alone

    late = due["verify_by"] + timedelta(hours=1)
    both = await asyncio.gather(scan(now=late), scan(now=late))  # two replicas at once
    assert sum(c.breached for c in both) == 2  # verification + forwarding, once each
    assert (await scan(now=late + timedelta(hours=1))).breached == 0

    types = await api.outbox_types(cid)
    assert types.count("complaint.sla_warning.v1") == first.warning
    assert types.count("complaint.sla_breached.v1") == 2
    svc.now = lambda: late  # the officers' view, read at that moment
    view = (await api.client.get(f"/v1/complaints/{cid}",
                                 headers=api.token(Role.ADMIN))).json()
    listed = (await api.client.get("/v1/complaints?overdue=true",
                                   headers=api.token(Role.ADMIN))).json()["items"]
    assert [c["id"] for c in listed] == [cid] and listed[0]["overdue"]
    assert set(view["escalated"]) == {"verify", "forward"}
    assert "verify_by" in view["overdue"]
    assert [a["action"] for a in view["audit"]].count("escalate") == 2


async def test_an_unanswered_response_is_closed_after_ten_working_days(api):
    cid = (await api.file())["id"]
    officer = api.token(Role.OFFICER, agency="dpupr-bdg")
    for action, body in (("verify", {}), ("start", {}),
                         ("respond", {"body": "Sudah kami tangani."})):
        assert (await api.client.post(f"/v1/complaints/{cid}/{action}", json=body,
                                      headers=officer)).status_code == 200
    scan = api.scanner().scan
    async with api.app.state.runtime.engine.connect() as conn:
        auto_close_at = (await conn.execute(select(complaints.c.auto_close_at).where(
            complaints.c.id == cid))).scalar_one()
    assert (await scan(now=auto_close_at - timedelta(minutes=1))).closed == 0
    assert (await scan(now=auto_close_at + timedelta(minutes=1))).closed == 1
    view = (await api.client.get(f"/v1/complaints/{cid}", headers=officer)).json()
    assert view["status"] == "closed"
    assert (await api.outbox_types(cid))[-1] == "complaint.closed.v1"


async def reminders(api) -> list[dict]:
    async with api.app.state.runtime.engine.connect() as conn:
        rows = (await conn.execute(select(outbox.c.payload).where(
            outbox.c.event_type == "notification.requested.v1"))).all()
    data = [json.loads(r.payload)["data"] for r in rows]
    return [d for d in data if d["template_name"] == "sla_reminder"]


async def test_the_agency_notification_address_gets_warnings_as_a_digest_and_breaches_at_once(
        api):
    admin = api.token(Role.ADMIN)
    url = "/v1/agencies/dpupr-bdg/notification-address"
    bad = await api.client.put(url, json={"notification_email": "not an address"},
                               headers=admin)
    assert bad.status_code == 422 and bad.json()["fields"][0]["field"] == "notification_email"
    officer = api.token(Role.OFFICER, agency="dpupr-bdg")
    denied = await api.client.put(url, json={"notification_email": "x@example.id"},
                                  headers=officer)
    assert denied.status_code == 403
    missing = await api.client.put("/v1/agencies/nope/notification-address",
                                   json={"notification_email": "x@example.id"}, headers=admin)
    assert missing.status_code == 404
    r = await api.client.put(url, json={"notification_email": "sla@pupr.bandung.go.id"},
                             headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["notification_email"] == "sla@pupr.bandung.go.id"
    public = (await api.client.get("/v1/agencies")).text
    assert "sla@pupr" not in public  # the list is public: the address is for admins

    cid = (await api.file())["id"]
    svc, scan = api.complaints, api.scanner().scan
    due = await deadlines(api, cid)
    warned = await scan(now=svc.policy.warning_time(due["verify_by"]) + timedelta(minutes=1))
    late = due["verify_by"] + timedelta(hours=1)
    await asyncio.gather(scan(now=late), scan(now=late))  # two replicas: still once each
    sent = await reminders(api)
    warnings = [d for d in sent if d["template_variables"]["kind"] == "warning"]
    breaches = [d for d in sent if d["template_variables"]["kind"] == "breach"]
    assert len(warnings) == warned.warning and len(breaches) == 2, sent
    assert {d["digest"] for d in warnings} == {"daily"}
    assert {d["digest"] for d in breaches} == {"immediate"}
    for d in sent:
        assert d["recipient"] == "sla@pupr.bandung.go.id" and d["audience"] == "officer"
        assert d["agency_id"] == "dpupr-bdg" and d["complaint_id"] == cid
        assert d["template_variables"]["deadline"] in {"verification", "forwarding"}
    assert len({d["notification_id"] for d in sent}) == len(sent)

    cleared = await api.client.put(url, json={"notification_email": None}, headers=admin)
    assert cleared.status_code == 200 and cleared.json()["notification_email"] is None
