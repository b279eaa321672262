"""Every invalid request is a 4xx naming what is wrong, never a 500, and changes nothing."""

from __future__ import annotations

import jwt
import pytest

from shared.auth import Role

GOOD = {"title": "Lampu jalan mati", "description": "Sudah seminggu gelap.",
        "category_code": "JALAN-RUSAK", "attributes": {"severity": "light"}}


@pytest.mark.parametrize(("change", "status", "field"), [
    ({"category_code": "NO-SUCH"}, 422, "category_code"),
    ({"description": "x" * 4001}, 422, "description"),
    ({"description": "<script>alert(1)</script>"}, 422, "description"),
    ({"title": ""}, 422, "title"),
    ({"attributes": {}}, 422, "attributes.severity"),
    ({"attributes": {"severity": "apocalyptic"}}, 422, "attributes.severity"),
    ({"attributes": {"severity": "light", "colour": "red"}}, 422, "attributes.colour"),
    ({"location": {"lat": 91, "long": 0}}, 422, "location.lat"),
    ({"location": {"lat": -6.9}}, 422, "location"),
    ({"privacy": "anonymous", "reporter": {"name": "X"}}, 422, ""),
    ({"reporter": {"email": "not-an-email"}}, 422, "reporter.email"),
    ({"reporter": {"phone": "0812"}}, 422, "reporter.phone"),
    ({"unexpected": 1}, 422, "unexpected"),
    ({"id": "../../etc"}, 422, "id"),
])
async def test_invalid_filings_name_the_field_and_store_nothing(api, change, status, field):
    before = await api.outbox_types()
    r = await api.client.post("/v1/complaints", json=GOOD | change)
    assert r.status_code == status, r.text
    body = r.json()
    named = body.get("field") or [f["field"] for f in body.get("fields", [])]
    assert field in named or any(n.startswith(field) for n in named), body
    assert await api.outbox_types() == before
    admin = api.token(Role.ADMIN)
    assert (await api.client.get("/v1/complaints", headers=admin)).json()["items"] == []


async def test_an_illegal_transition_is_a_409_naming_the_current_state(api):
    cid = (await api.file())["id"]
    officer = api.token(Role.OFFICER, agency="dpupr-bdg")
    before = await api.outbox_types()
    r = await api.client.post(f"/v1/complaints/{cid}/resolve", json={}, headers=officer)
    assert r.status_code == 409
    assert r.json()["error"] == "illegal_transition"
    assert r.json()["current_status"] == "submitted"
    assert await api.outbox_types() == before
    view = (await api.client.get(f"/v1/complaints/{cid}", headers=officer)).json()
    assert view["status"] == "submitted" and len(view["audit"]) == 1


@pytest.mark.parametrize("kind", ["missing", "forged", "expired", "garbage", "wrong_issuer"])
async def test_bad_officer_tokens_are_401(api, kind):
    secret = api.settings.jwt_secret.get_secret_value()
    claims = {"sub": "x", "roles": ["admin"], "iss": "suara", "aud": "suara", "exp": 2**33}
    headers = {
        "missing": {},
        "forged": {"Authorization": "Bearer " + jwt.encode(claims, "f" * 40, "HS256")},
        "expired": {"Authorization": "Bearer " + jwt.encode(claims | {"exp": 1}, secret,
                                                            "HS256")},
        "garbage": {"Authorization": "Bearer not-a-jwt"},
        "wrong_issuer": {"Authorization": "Bearer " + jwt.encode(claims | {"iss": "evil"},
                                                                 secret, "HS256")},
    }[kind]
    r = await api.client.get("/v1/complaints", headers=headers)
    assert r.status_code == 401, r.text
    assert r.json()["error"] in {"missing_token", "invalid_token", "token_expired"}


async def test_a_wrong_citizen_token_or_code_is_401_and_identical(api):
    filed = await api.file()
    wrong_token = await api.client.get(f"/v1/track/{filed['tracking_code']}",
                                       headers={"X-Tracking-Token": "x" * 32})
    wrong_code = await api.client.get("/v1/track/SRA-ABC-DEF-GHJ",
                                      headers={"X-Tracking-Token": filed["token"]})
    assert wrong_token.status_code == wrong_code.status_code == 401
    assert wrong_token.json() == wrong_code.json()  # nothing to tell the two apart


async def test_bad_cursor_and_filters_are_4xx(api):
    admin = api.token(Role.ADMIN)
    r = await api.client.get("/v1/complaints?cursor=garbage!", headers=admin)
    assert r.status_code == 400 and r.json()["field"] == "cursor"
    r = await api.client.get("/v1/complaints?status=dreaming", headers=admin)
    assert r.status_code == 422
    r = await api.client.get("/v1/complaints?limit=100000", headers=admin)
    assert r.status_code == 422


async def test_a_database_outage_is_a_503_to_retry_never_a_500(api, monkeypatch):
    from sqlalchemy.exc import OperationalError

    async def down(*args, **kwargs):
        raise OperationalError("INSERT", {}, Exception("unable to open database file"))

    monkeypatch.setattr("shared.group_commit.write_queued", down)
    r = await api.client.post("/v1/complaints", json=GOOD)
    assert r.status_code == 503 and r.headers["retry-after"] == "5"
    assert r.json()["error"] == "database_unavailable"
    assert "unable to open" not in r.text  # no internals


async def test_admins_list_and_revoke_open311_keys(api):
    admin = api.token(Role.ADMIN)
    created = (await api.client.post("/v1/api-keys", json={"name": "LAPOR!"},
                                     headers=admin)).json()
    listed = (await api.client.get("/v1/api-keys", headers=admin)).json()
    assert [k["id"] for k in listed] == [created["id"]] and "api_key" not in listed[0]
    form = {"api_key": created["api_key"], "service_code": "IZIN-USAHA",
            "description": "Loket tutup", "lat": "-6.9", "long": "107.6"}
    assert (await api.client.post("/open311/v2/requests.json", data=form)).status_code == 201
    r = await api.client.delete(f"/v1/api-keys/{created['id']}", headers=admin)
    assert r.status_code == 200 and r.json()["revoked_at"]
    assert (await api.client.post("/open311/v2/requests.json", data=form)).status_code == 403
    officer = api.token(Role.OFFICER, agency="dpupr-bdg")
    assert (await api.client.get("/v1/api-keys", headers=officer)).status_code == 403
    assert (await api.client.delete("/v1/api-keys/nope", headers=admin)).status_code == 404


@pytest.mark.parametrize(("query", "field"), [
    ("filed_from=2026-12-01", "filed_from"),
    ("filed_from=2026-12-01T00:00:00", "filed_from"),
    ("filed_to=2026-12-01T23:59:59", "filed_to"),
    ("filed_from=0001-01-01T00:00:00%2B14:00", "filed_from"),
    ("filed_to=9999-12-31T23:59:59-14:00", "filed_to"),
    ("filed_from=yesterday", "filed_from"),
])
async def test_a_list_filter_that_is_no_instant_is_a_422_naming_it(api, query, field):
    r = await api.client.get(f"/v1/complaints?{query}", headers=api.token(Role.ADMIN))
    assert r.status_code == 422, r.text
    assert [f["field"] for f in r.json()["fields"]] == [field]
    fine = await api.client.get("/v1/complaints?filed_from=2026-12-01T00:00:00%2B07:00",
                                headers=api.token(Role.ADMIN))
    assert fine.status_code == 200, fine.text


@pytest.mark.parametrize("instant", ["2026-12-01T00:00:00", "0001-01-01T00:00:00+14:00",
                                     "9999-12-31T23:59:59-14:00", "not a date"])
async def test_a_forged_cursor_is_a_400_naming_the_cursor(api, instant):
    import base64
    import json

    raw = json.dumps([instant, "c-1"]).encode()
    cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    r = await api.client.get("/v1/complaints", params={"cursor": cursor},
                             headers=api.token(Role.ADMIN))
    assert r.status_code == 400, r.text
    assert r.json()["error"] == "invalid_cursor"
    body = r.json()
    assert "cursor" in (body.get("field"), *[f["field"] for f in body.get("fields", [])]), body


PLAIN = ["Biaya <Rp5.000> tanpa kuitansi", "Lihat <https://x.id>", "a < b > c", "saya <3 kota",
         "<b>penting</b>", "kirim ke <budi@example.id>"]
MARKUP = ["<img src=x onerror=alert(1)//", "<script>alert(1)</script>", "<svg/onload=alert(1)>",
          "<IFRAME SRC=x>", "<x onclick=alert(1)>halo</x>", "<b style=position:fixed>x</b>"]


async def test_plain_text_with_angle_brackets_is_stored_as_sent(api):
    for text in PLAIN:
        filed = await api.file(title=f"Judul {text}", description=text,
                               location={"address": text, "region_code": "32.73.01"},
                               reporter={"name": text[:200]})
        staff = (await api.client.get(f"/v1/complaints/{filed['id']}",
                                      headers=api.token(Role.ADMIN))).json()
        assert staff["description"] == text and staff["location"]["address"] == text
        assert staff["title"] == f"Judul {text}" and staff["reporter"]["name"] == text[:200]


async def test_markup_that_runs_is_refused_in_every_text_field(api):
    for text in MARKUP:
        for where in ("title", "description", "location.address", "reporter.name"):
            body = dict(GOOD)
            if where == "location.address":
                body["location"] = {"address": text}
            elif where == "reporter.name":
                body["reporter"] = {"name": text}
            else:
                body[where] = text
            r = await api.client.post("/v1/complaints", json=body)
            assert r.status_code == 422, (text, where, r.text)
            assert [f["field"] for f in r.json()["fields"]] == [where]


async def test_markup_is_refused_in_replies_notes_and_open311(api):
    text = MARKUP[0]
    filed = await api.file()
    admin = api.token(Role.ADMIN, sub="root")
    r = await api.client.post(f"/v1/complaints/{filed['id']}/notes", json={"body": text},
                              headers=admin)
    assert r.status_code == 422 and r.json()["fields"][0]["field"] == "body"
    r = await api.client.post(f"/v1/complaints/{filed['id']}/verify", json={"note": text},
                              headers=admin)
    assert r.status_code == 422 and r.json()["fields"][0]["field"] == "note"
    r = await api.client.post(f"/v1/track/{filed['tracking_code']}/reply", json={"body": text},
                              headers={"X-Tracking-Token": filed["token"]})
    assert r.status_code == 422 and r.json()["fields"][0]["field"] == "body"
    key = (await api.client.post("/v1/api-keys", json={"name": "App"}, headers=admin)).json()
    for field in ("address_string", "description", "first_name"):
        form = {"api_key": key["api_key"], "service_code": "IZIN-USAHA",
                "address_string": "Jl. Merdeka 1", "description": "Izin lama."} | {field: text}
        r = await api.client.post("/open311/v2/requests.json", data=form)
        assert r.status_code == 400, r.text
        assert r.json()[0]["description"].startswith(
            "first_name/last_name" if field == "first_name" else field)


async def test_the_services_own_errors_speak_indonesian_by_default_and_english_on_request(api):
    admin = api.token(Role.ADMIN, sub="root")
    r = await api.client.get("/v1/complaints/nope", headers=admin)
    assert r.status_code == 404 and r.json()["error"] == "complaint_not_found"
    assert r.json()["detail"] == "Pengaduan tidak ditemukan."
    r = await api.client.get("/v1/complaints/nope", headers=admin | {"Accept-Language": "en"})
    assert r.json()["detail"] == "No such complaint."
    filed = await api.file()
    r = await api.client.post(f"/v1/complaints/{filed['id']}/start", json={}, headers=admin)
    assert r.status_code == 409 and r.json()["error"] == "illegal_transition"
    assert r.json()["detail"] == ("Tindakan 'start' tidak dapat dilakukan pada pengaduan "
                                  "berstatus 'submitted'.")
    r = await api.client.post(f"/v1/complaints/{filed['id']}/reject", headers=admin,
                              json={"reason": "duplicate", "duplicate_of": "nope"})
    assert r.json()["fields"][0]["message"] == "Pengaduan tidak ditemukan."
    r = await api.client.post(f"/v1/complaints/{filed['id']}/reject", json={
        "reason": "duplicate", "duplicate_of": "nope"}, headers=admin | {"Accept-Language": "en"})
    assert r.json()["fields"][0]["message"] == "No such complaint."
