"""A complaint from filing to rating, as the mobile app, the officers and the citizen see it."""

from __future__ import annotations

from datetime import UTC, datetime, time

from shared.auth import Role

parse = datetime.fromisoformat


async def test_a_complaint_from_filing_to_rating(api):
    filed = await api.file()
    cid, code, token = filed["id"], filed["tracking_code"], filed["token"]
    assert filed["status"] == "submitted" and code.startswith("SRA-")
    officer = api.token(Role.OFFICER, agency="dpupr-bdg", sub="budi")
    steps = [("verify", {"complexity": "simple"}, "verified"),
             ("forward", {"agency_id": "dpupr-bdg", "note": "disposisi ke bidang jalan"},
              "forwarded"),
             ("start", {}, "in_progress"),
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
