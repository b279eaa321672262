"""A complaint from filing to rating, as the mobile app, the officers and the citizen see it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time

from sqlalchemy import select

from shared.auth import Role
from shared.tables import outbox

parse = datetime.fromisoformat


async def test_a_complaint_from_filing_to_rating(api):
    # filed to the city government, which passes it to its public-works unit (disposisi)
    r = await api.client.post("/v1/categories", headers=api.token(Role.ADMIN), json={
        "code": "UMUM-BDG", "agency_id": "pemkot-bdg", "name_id": "Pengaduan umum",
        "name_en": "General complaints", "complexity": "normal", "attributes": []})
    assert r.status_code == 201, r.text
    filed = await api.file(category_code="UMUM-BDG", attributes={})
    cid, code, token = filed["id"], filed["tracking_code"], filed["token"]
    assert filed["status"] == "submitted" and code.startswith("SRA-")
    city = api.token(Role.SUPERVISOR, agency="pemkot-bdg", sub="rina")
    officer = api.token(Role.OFFICER, agency="dpupr-bdg", sub="budi")
    for action, body in (("verify", {"complexity": "simple"}),
                         ("forward", {"agency_id": "dpupr-bdg",
                                      "note": "disposisi ke bidang jalan"})):
        r = await api.client.post(f"/v1/complaints/{cid}/{action}", json=body, headers=city)
        assert r.status_code == 200, (action, r.text)
    assert r.json()["status"] == "forwarded"
    steps = [("start", {}, "in_progress"),
             ("notes", {"body": "Tim survei dijadwalkan Senin."}, "in_progress"),
             ("respond", {"body": "Perbaikan dijadwalkan minggu depan."}, "responded"),
             ("resolve", {}, "resolved")]
    for action, body, expected in steps:
        r = await api.client.post(f"/v1/complaints/{cid}/{action}", json=body, headers=officer)
        assert r.status_code == 200, (action, r.text)
        assert r.json()["status"] == expected

    view = (await api.client.get(f"/v1/complaints/{cid}", headers=officer)).json()
    assert view["agency_chain"] == ["dpupr-bdg"]
    # deadlines end a working day in Jakarta (23:59:59 WIB = 16:59:59 UTC), stored unchanged
    assert parse(view["deadlines"]["verify_by"]) == parse(filed["deadlines"]["verify_by"])
    assert parse(view["deadlines"]["verify_by"]).astimezone(UTC).time() == time(16, 59, 59)
    assert [a["action"] for a in view["audit"]] == [
        "file", "verify", "forward", "start", "note", "respond", "resolve"]
    assert {m["visibility"] for m in view["messages"]} == {"public", "internal"}

    citizen = {"X-Tracking-Token": token}
    mine = (await api.client.get(f"/v1/track/{code}", headers=citizen)).json()
    assert mine["status"] == "resolved" and set(mine["can"]) >= {"rate", "reopen", "close"}
    assert all(m["visibility"] == "public" for m in mine["replies"])
    assert "Tim survei" not in str(mine)  # the internal note never reaches the citizen

    r = await api.client.post(f"/v1/track/{code}/rate", json={"score": 4}, headers=citizen)
    assert r.status_code == 200 and r.json()["rating"] == 4
    r = await api.client.post(f"/v1/track/{code}/reopen", json={"reason": "Masih berlubang"},
                              headers=citizen)
    assert r.json()["status"] == "reopened"

    assert await api.outbox_types(cid) == [
        "complaint.filed.v1", "complaint.verified.v1", "complaint.forwarded.v1",
        "complaint.status_changed.v1", "complaint.responded.v1", "complaint.resolved.v1",
        "complaint.rated.v1", "complaint.reopened.v1"]
    # the reporter left a contact: every public status change asked for a notification
    notes = [t for t in await api.outbox_types() if t == "notification.requested.v1"]
    assert len(notes) == 7  # filed, verified, forwarded, in progress, responded, resolved, reopened


async def test_the_audit_trail_names_the_officer_to_staff_only(api):
    filed = await api.file()
    officer = api.token(Role.OFFICER, agency="dpupr-bdg", sub="budi")
    r = await api.client.post(f"/v1/complaints/{filed['id']}/verify", json={}, headers=officer)
    assert r.status_code == 200, r.text
    audit = r.json()["audit"]
    assert [(a["action"], a["actor_role"], a["actor_id"]) for a in audit] == [
        ("file", "citizen", "citizen:mobile"), ("verify", "officer", "budi")]
    mine = await api.client.get(f"/v1/track/{filed['tracking_code']}",
                                headers={"X-Tracking-Token": filed["token"]})
    assert [a["actor_id"] for a in mine.json()["timeline"]] == [None, None]
    assert "budi" not in mine.text


async def test_a_duplicate_names_an_existing_complaint_and_the_citizen_sees_why(api):
    original, repeat = await api.file(), await api.file()
    officer = api.token(Role.OFFICER, agency="dpupr-bdg", sub="budi")
    other_agency = await api.client.post("/v1/complaints", json={
        "title": "Izin usaha", "description": "Lama sekali.", "category_code": "IZIN-USAHA"})
    elsewhere = other_agency.json()["id"]

    async def reject(duplicate_of: str | None, reason: str = "duplicate"):
        return await api.client.post(f"/v1/complaints/{repeat['id']}/reject", headers=officer,
                                     json={"reason": reason, "duplicate_of": duplicate_of})

    for bad, code in (("no-such-complaint", "unknown_complaint"),
                      ("SRA-AAA-AAA-AAA", "unknown_complaint"),
                      (elsewhere, "unknown_complaint"),  # not visible: as if it did not exist
                      (repeat["id"], "duplicate_of_itself")):
        r = await reject(bad)
        assert r.status_code == 422, r.text
        assert (r.json()["error"], r.json()["fields"][0]["field"]) == (code, "duplicate_of")
    r = await reject(original["tracking_code"])  # by tracking code, stored by id
    assert r.status_code == 200, r.text
    seen = await api.client.get(f"/v1/track/{repeat['tracking_code']}",
                                headers={"X-Tracking-Token": repeat["token"]})
    assert seen.json()["status"] == "rejected"
    assert seen.json()["rejection"] == {"reason": "duplicate", "duplicate_of": original["id"]}
    third = await api.file()
    r = await api.client.post(f"/v1/complaints/{third['id']}/reject", headers=officer,
                              json={"reason": "duplicate", "duplicate_of": repeat["id"]})
    assert r.status_code == 422 and r.json()["error"] == "duplicate_of_rejected"


async def test_the_agency_holding_a_complaint_starts_it_and_never_forwards_it_to_itself(api):
    """Issue 8.9: a disposition names another agency; the holder starts work from verified."""
    cid = (await api.file())["id"]  # held by dpupr-bdg, the road category's agency
    officer = api.token(Role.OFFICER, agency="dpupr-bdg")
    assert (await api.client.post(f"/v1/complaints/{cid}/verify", json={},
                                  headers=officer)).status_code == 200
    before = await api.outbox_types(cid)
    for who in (officer, api.token(Role.ADMIN)):
        r = await api.client.post(f"/v1/complaints/{cid}/forward", headers=who,
                                  json={"agency_id": "dpupr-bdg"})
        assert r.status_code == 422, r.text
        assert r.json()["error"] == "already_with_agency"
        assert [f["field"] for f in r.json()["fields"]] == ["agency_id"]
    assert await api.outbox_types(cid) == before  # the refusal changed nothing
    r = await api.client.post(f"/v1/complaints/{cid}/start", json={}, headers=officer)
    assert r.status_code == 200 and r.json()["status"] == "in_progress", r.text
    assert r.json()["agency_chain"] == []  # never forwarded
    # once forwarded, the new holder cannot forward it back to itself either
    r = await api.client.post(f"/v1/complaints/{cid}/forward", headers=officer,
                              json={"agency_id": "pemkot-bdg"})
    assert r.status_code == 200, r.text
    parent = api.token(Role.SUPERVISOR, agency="pemkot-bdg")
    r = await api.client.post(f"/v1/complaints/{cid}/forward", headers=parent,
                              json={"agency_id": "pemkot-bdg"})
    assert (r.status_code, r.json()["error"]) == (422, "already_with_agency"), r.text


async def test_the_reporter_s_app_gets_each_message_as_a_push_too(api):
    async def requests() -> list[dict]:
        async with api.app.state.runtime.engine.connect() as conn:
            rows = (await conn.execute(select(outbox.c.payload).where(
                outbox.c.event_type == "notification.requested.v1"))).all()
        return [json.loads(r.payload)["data"] for r in rows]

    filed = await api.file()
    url = f"/v1/track/{filed['tracking_code']}/device"
    citizen = {"X-Tracking-Token": filed["token"]}
    device = "fcm-" + "a1B2_c3:D4-" * 8
    bad = await api.client.put(url, json={"push_token": "short"}, headers=citizen)
    assert bad.status_code == 422 and bad.json()["fields"][0]["field"] == "push_token"
    stranger = await api.client.put(url, json={"push_token": device},
                                    headers={"X-Tracking-Token": "x" * 32})
    assert stranger.status_code in (401, 404)
    r = await api.client.put(url, json={"push_token": device}, headers=citizen)
    assert r.status_code == 204, r.text
    officer = api.token(Role.OFFICER, agency="dpupr-bdg")
    assert (await api.client.post(f"/v1/complaints/{filed['id']}/verify", json={},
                                  headers=officer)).status_code == 200
    verified = [d for d in await requests() if d["template_name"] == "complaint_status_changed"]
    assert sorted(d["channel"] for d in verified) == ["email", "push"]
    pushed = next(d for d in verified if d["channel"] == "push")
    assert pushed["recipient"] == device and pushed["complaint_id"] == filed["id"]
    assert len({d["notification_id"] for d in verified}) == 2
    assert device not in (await api.client.get(f"/v1/complaints/{filed['id']}",
                                               headers=officer)).text

    assert (await api.client.delete(url, headers=citizen)).status_code == 204
    assert (await api.client.post(f"/v1/complaints/{filed['id']}/start", json={},
                                  headers=officer)).status_code == 200
    started = [d for d in await requests() if d["template_name"] == "complaint_status_changed"
               and d["template_variables"]["status"] == "in_progress"]
    assert [d["channel"] for d in started] == ["email"]

    anonymous = await api.file(privacy="anonymous", reporter=None)
    r = await api.client.put(f"/v1/track/{anonymous['tracking_code']}/device",
                             json={"push_token": device},
                             headers={"X-Tracking-Token": anonymous["token"]})
    assert r.status_code == 422 and r.json()["error"] == "anonymous_report"
