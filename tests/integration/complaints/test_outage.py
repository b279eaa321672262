"""A database outage in the middle of a burst of filings: PostgreSQL drops every connection
of the service, twice, while complaints keep coming. Every answer is a 201 or a 503 to retry;
after the retries (same Idempotency-Key), every filing is exactly one complaint with exactly
one ``complaint.filed`` event. Nothing accepted is lost, nothing is stored twice."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest
from sqlalchemy import func, select

from services.complaints.models import complaints
from shared.tables import outbox

BODY = {"title": "Lampu jalan mati", "description": "Sudah seminggu gelap di Jl. Braga.",
        "category_code": "IZIN-USAHA", "reporter": {"email": "warga@example.id"}}


async def drop_connections(database_url: str) -> int:
    """What a PostgreSQL restart or failover does to a client: every connection is cut."""
    name = database_url.rsplit("/", 1)[1]
    admin = await asyncpg.connect(database_url.replace("+asyncpg", "").rsplit("/", 1)[0]
                                  + "/postgres")
    try:
        return len(await admin.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = $1 AND pid <> pg_backend_pid()", name))
    finally:
        await admin.close()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_filings_across_dropped_connections_are_each_stored_once(api, database_url):
    keys = [str(uuid.uuid4()) for _ in range(120)]

    async def file(key: str):
        return await api.client.post("/v1/complaints", json=BODY,
                                     headers={"Idempotency-Key": key})

    async def outage() -> int:
        dropped = 0
        for _ in range(2):
            await asyncio.sleep(0.05)
            dropped += await drop_connections(database_url)
        return dropped

    burst = asyncio.gather(*(file(k) for k in keys))
    answers, dropped = await asyncio.gather(burst, outage())
    assert dropped > 0  # the outage really cut the service's connections
    codes = [r.status_code for r in answers]
    assert set(codes) <= {201, 503}, [r.text for r in answers if r.status_code not in (201, 503)]
    assert all(r.headers.get("retry-after") for r in answers if r.status_code == 503)

    retried = {}
    for key, first in zip(keys, answers, strict=True):
        if first.status_code == 503:  # what the mobile app does: the same request again
            again = await file(key)
            assert again.status_code in (200, 201), again.text
            retried[key] = again
    final = {k: retried.get(k, a) for k, a in zip(keys, answers, strict=True)}
    ids = {r.json()["id"] for r in final.values()}
    assert len(ids) == len(keys)

    async with api.app.state.runtime.engine.connect() as conn:
        stored = (await conn.execute(select(func.count()).select_from(complaints))).scalar()
        filed = (await conn.execute(
            select(outbox.c.key, func.count()).where(outbox.c.event_type == "complaint.filed.v1")
            .group_by(outbox.c.key))).all()
    assert stored == len(keys)
    assert {k for k, _ in filed} == ids and all(n == 1 for _, n in filed)
