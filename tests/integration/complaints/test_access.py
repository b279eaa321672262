"""The authorisation matrix: role x agency x action. Another agency's complaint is a 404 (no
existence leak); a role that may never do an action is a 403; the auditor only reads."""

from __future__ import annotations

import pytest

from shared.auth import Role

# (who, agency claim) -> what they should get on a complaint handled by dpupr-bdg
CALLERS = {
    "officer_same": ((Role.OFFICER,), "dpupr-bdg"),
    "officer_other": ((Role.OFFICER,), "dpmptsp-sby"),
    "supervisor_parent": ((Role.SUPERVISOR,), "pemkot-bdg"),  # dpupr-bdg is below it
    "supervisor_other": ((Role.SUPERVISOR,), "dpmptsp-sby"),
    "auditor_parent": ((Role.AUDITOR,), "pemkot-bdg"),
    "admin": ((Role.ADMIN,), None),
}
READ = {"officer_same": 200, "officer_other": 404, "supervisor_parent": 200,
        "supervisor_other": 404, "auditor_parent": 200, "admin": 200}
ACT = {"officer_same": 200, "officer_other": 404, "supervisor_parent": 200,
       "supervisor_other": 404, "auditor_parent": 403, "admin": 200}
ACTIONS = [("verify", {}), ("reject", {"reason": "incomplete"}),
           ("notes", {"body": "catatan"}), ("forward", {"agency_id": "pemkot-bdg"})]


@pytest.mark.parametrize("caller", sorted(CALLERS))
async def test_who_reads_which_complaint(api, caller):
    cid = (await api.file())["id"]
    roles, agency = CALLERS[caller]
    headers = api.token(*roles, agency=agency)
    r = await api.client.get(f"/v1/complaints/{cid}", headers=headers)
    assert r.status_code == READ[caller], r.text
    listed = (await api.client.get("/v1/complaints", headers=headers)).json()["items"]
    assert (cid in [c["id"] for c in listed]) == (READ[caller] == 200)
    if r.status_code == 404:
        assert r.json()["error"] == "complaint_not_found"  # same as a complaint that never was


@pytest.mark.parametrize("action", [a for a, _ in ACTIONS])
@pytest.mark.parametrize("caller", sorted(CALLERS))
async def test_who_acts_on_which_complaint(api, caller, action):
    cid = (await api.file())["id"]
    roles, agency = CALLERS[caller]
    body = dict(ACTIONS)[action]
    if action == "forward":  # forwarding needs a verified complaint
        admin = api.token(Role.ADMIN)
        assert (await api.client.post(f"/v1/complaints/{cid}/verify", json={},
                                      headers=admin)).status_code == 200
    before = await api.outbox_types(cid)
    r = await api.client.post(f"/v1/complaints/{cid}/{action}", json=body,
                              headers=api.token(*roles, agency=agency))
    assert r.status_code == ACT[caller], r.text
    if r.status_code != 200:
        assert await api.outbox_types(cid) == before  # a refusal changes nothing


async def test_citizens_cannot_use_staff_routes_nor_staff_citizen_routes(api):
    filed = await api.file()
    r = await api.client.post(f"/v1/complaints/{filed['id']}/verify", json={},
                              headers={"X-Tracking-Token": filed["token"]})
    assert r.status_code == 401
    officer = api.token(Role.OFFICER, agency="dpupr-bdg")
    r = await api.client.post(f"/v1/track/{filed['tracking_code']}/reply",
                              json={"body": "hi"}, headers=officer)
    assert r.status_code == 422  # no X-Tracking-Token: the header is required


async def test_only_admins_manage_the_catalogue(api):
    new = {"id": "x-1", "name_id": "X", "name_en": "X", "kind": "unit"}
    for roles, agency in (((Role.OFFICER,), "dpupr-bdg"), ((Role.SUPERVISOR,), "pemkot-bdg")):
        r = await api.client.post("/v1/agencies", json=new, headers=api.token(*roles,
                                                                              agency=agency))
        assert r.status_code == 403
    r = await api.client.post("/v1/agencies", json=new, headers=api.token(Role.ADMIN))
    assert r.status_code == 201
    assert (await api.client.post("/v1/agencies", json=new,
                                  headers=api.token(Role.ADMIN))).status_code == 409
