"""Retries are safe: the same Idempotency-Key (or client id) and body replay the first answer;
concurrent duplicates still make one complaint."""

from __future__ import annotations

import asyncio
import uuid

from shared.auth import Role

BODY = {"title": "Sampah menumpuk", "description": "Di pasar, tiga hari tidak diangkut.",
        "category_code": "IZIN-USAHA"}


async def count(api) -> int:
    page = (await api.client.get("/v1/complaints", headers=api.token(Role.ADMIN))).json()
    return len(page["items"])


async def test_a_retried_post_replays_the_first_answer(api):
    headers = {"Idempotency-Key": "retry-1"}
    first = await api.client.post("/v1/complaints", json=BODY, headers=headers)
    again = await api.client.post("/v1/complaints", json=BODY, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()  # the token too: the first answer may have been lost
    other = await api.client.post("/v1/complaints", json=BODY | {"title": "Lain"},
                                  headers=headers)
    assert other.status_code == 422 and other.json()["error"] == "idempotency_key_reused"
    assert await count(api) == 1


async def test_a_client_generated_id_makes_offline_retries_safe(api):
    body = BODY | {"id": str(uuid.uuid4())}
    first = await api.client.post("/v1/complaints", json=body)
    again = await api.client.post("/v1/complaints", json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] == body["id"]
    clash = await api.client.post("/v1/complaints", json=body | {"title": "Berbeda"})
    assert clash.status_code == 422
    assert await count(api) == 1


async def test_concurrent_duplicates_make_one_complaint(api):
    headers = {"Idempotency-Key": "storm"}
    answers = await asyncio.gather(*(api.client.post("/v1/complaints", json=BODY,
                                                     headers=headers) for _ in range(12)))
    codes = sorted(r.status_code for r in answers)
    assert codes.count(201) == 1 and set(codes) <= {200, 201}, codes
    assert len({r.json()["id"] for r in answers}) == 1
    assert await count(api) == 1
    assert (await api.outbox_types()).count("complaint.filed.v1") == 1


async def test_answers_are_kept_for_the_ttl_then_purged_with_their_token(api):
    from datetime import timedelta

    headers = {"Idempotency-Key": "old-1"}
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
