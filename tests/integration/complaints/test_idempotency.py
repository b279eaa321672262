"""Retries are safe: the same Idempotency-Key (or client id) and body replay the first answer;
concurrent duplicates still make one complaint. The token comes back only to the holder of the
first request's key: a complaint id or a body, which officers and the public see, never
suffice, and the database holds the token only sealed."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import select

from services.complaints.models import idempotency_keys
from shared.auth import Role

BODY = {"title": "Sampah menumpuk", "description": "Di pasar, tiga hari tidak diangkut.",
        "category_code": "IZIN-USAHA"}


def key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


async def count(api) -> int:
    page = (await api.client.get("/v1/complaints", headers=api.token(Role.ADMIN))).json()
    return len(page["items"])


async def test_a_retried_post_replays_the_first_answer(api):
    headers = key()
    first = await api.client.post("/v1/complaints", json=BODY, headers=headers)
    again = await api.client.post("/v1/complaints", json=BODY, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()  # the token too: the first answer may have been lost
    assert first.json()["token"]
    assert await count(api) == 1


async def test_another_body_under_an_officers_key_is_refused(api):
    headers = key() | api.token(Role.OFFICER)
    body = BODY | {"channel": "counter"}
    first = await api.client.post("/v1/complaints", json=body, headers=headers)
    other = await api.client.post("/v1/complaints", json=body | {"title": "Lain"},
                                  headers=headers)
    assert first.status_code == 201
    assert other.status_code == 422 and other.json()["error"] == "idempotency_key_reused"
    assert await count(api) == 1


async def test_two_citizens_with_the_same_key_never_meet(api):
    headers = {"Idempotency-Key": "the-same-key-in-two-apps"}
    a = await api.client.post("/v1/complaints", json=BODY, headers=headers)
    b = await api.client.post("/v1/complaints", json=BODY | {"title": "Jalan rusak"},
                              headers=headers)
    assert (a.status_code, b.status_code) == (201, 201)
    assert a.json()["id"] != b.json()["id"] and a.json()["token"] != b.json()["token"]


async def test_a_short_key_is_refused_naming_the_header(api):
    r = await api.client.post("/v1/complaints", json=BODY, headers={"Idempotency-Key": "k-1"})
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["fields"]] == ["Idempotency-Key"]


async def test_a_client_generated_id_makes_offline_retries_safe_without_the_token(api):
    body = BODY | {"id": str(uuid.uuid4())}
    first = await api.client.post("/v1/complaints", json=body)
    again = await api.client.post("/v1/complaints", json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] == body["id"]
    assert first.json()["token"] and again.json()["token"] is None  # an id is no secret
    assert again.json()["tracking_code"] == first.json()["tracking_code"]
    clash = await api.client.post("/v1/complaints", json=body | {"title": "Berbeda"})
    assert clash.status_code == 422
    assert await count(api) == 1


async def test_an_officer_who_rebuilds_a_filing_gets_no_token(api):
    body = BODY | {"id": str(uuid.uuid4())}
    filed = await api.client.post("/v1/complaints", json=body, headers=key())
    assert filed.status_code == 201
    staff = api.token(Role.ADMIN)
    seen = (await api.client.get(f"/v1/complaints/{body['id']}", headers=staff)).json()
    rebuilt = {k: seen[k] for k in ("title", "description")} | {
        "category_code": BODY["category_code"], "id": body["id"]}
    officer = api.token(Role.OFFICER)
    for headers in ({}, officer, key(), key() | officer):
        replay = await api.client.post("/v1/complaints", json=rebuilt, headers=headers)
        assert replay.status_code in (200, 409, 422), replay.text
        assert "token" not in replay.json() or replay.json()["token"] is None
    assert await count(api) == 1


async def test_the_database_holds_no_clear_token_and_no_key(api):
    headers = key()
    filed = (await api.client.post("/v1/complaints", json=BODY, headers=headers)).json()
    async with api.app.state.runtime.engine.connect() as conn:
        rows = (await conn.execute(select(idempotency_keys))).mappings().all()
    stored = repr([dict(r) for r in rows])
    assert rows and filed["token"] not in stored
    assert headers["Idempotency-Key"] not in stored


async def test_concurrent_duplicates_make_one_complaint(api):
    headers = key()
    answers = await asyncio.gather(*(api.client.post("/v1/complaints", json=BODY,
                                                     headers=headers) for _ in range(12)))
    codes = sorted(r.status_code for r in answers)
    assert codes.count(201) == 1 and set(codes) <= {200, 201}, codes
    assert len({r.json()["id"] for r in answers}) == 1
    assert len({r.json()["token"] for r in answers}) == 1
    assert await count(api) == 1
    assert (await api.outbox_types()).count("complaint.filed.v1") == 1


async def test_answers_are_kept_for_the_ttl_then_purged_with_their_token(api):
    from datetime import timedelta

    headers = key()
    first = await api.client.post("/v1/complaints", json=BODY, headers=headers)
    svc, purge = api.complaints, api.purge()
    ttl = timedelta(hours=api.settings.idempotency_ttl_hours)
    assert await purge.purge(now=svc.now() + ttl - timedelta(minutes=1)) == 0
    again = await api.client.post("/v1/complaints", json=BODY, headers=headers)
    assert again.status_code == 200 and again.json() == first.json()
    assert await purge.purge(now=svc.now() + ttl + timedelta(minutes=1)) == 1
    later = await api.client.post("/v1/complaints", json=BODY, headers=headers)
    assert later.status_code == 201 and later.json()["id"] != first.json()["id"]
    assert await count(api) == 2
