"""Filings and tracking-token checks are limited per client address (issue 8 item 5): REST and
Open311 filings count against ``filing``, every ``/v1/track`` call against ``token_check``;
the refusal is a 429 with ``Retry-After`` (in Open311's own error format there)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from services.complaints.settings import ComplaintsSettings
from shared.auth import Role
from shared.broker import free_port
from tests.integration.complaints.conftest import Api, running

BODY = {"title": "Lampu jalan mati", "description": "Sudah seminggu gelap.",
        "category_code": "IZIN-USAHA"}


@pytest.fixture
async def limited(database_url) -> AsyncIterator[Api]:
    settings = ComplaintsSettings(environment="test", database_url=database_url,
                                  kafka_bootstrap=f"127.0.0.1:{free_port()}",
                                  relay_enabled=False, sla_scan_interval_s=3600,
                                  kafka_request_timeout_ms=1000, rate_limit_enabled=True,
                                  rate_limits={"filing": "3/minute", "token_check": "4/minute",
                                               "public_write": "1000/minute"})
    async with running(settings) as api:
        yield api


async def test_filings_beyond_the_limit_are_429_with_retry_after(limited):
    codes = [(await limited.client.post("/v1/complaints", json=BODY)).status_code
             for _ in range(4)]
    assert codes == [201, 201, 201, 429]
    r = await limited.client.post("/v1/complaints", json=BODY)
    assert r.status_code == 429 and r.json()["error"] == "rate_limited"
    assert 1 <= int(r.headers["retry-after"]) <= 120
    page = (await limited.client.get("/v1/complaints",
                                     headers=limited.token(Role.ADMIN))).json()
    assert len(page["items"]) == 3  # nothing stored by a refused filing


async def test_open311_filings_share_the_filing_limit_in_open311_format(limited):
    key = (await limited.client.post("/v1/api-keys", json={"name": "App"},
                                     headers=limited.token(Role.ADMIN, sub="root"))).json()
    form = {"api_key": key["api_key"], "service_code": "IZIN-USAHA",
            "address_string": "Jl. Merdeka 1", "description": "Izin lama."}
    for _ in range(3):
        assert (await limited.client.post("/open311/v2/requests.json",
                                          data=form)).status_code == 201
    for fmt in ("json", "xml"):
        r = await limited.client.post(f"/open311/v2/requests.{fmt}", data=form)
        assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
        assert "429" in r.text and "retry" in r.text.lower()  # [{code, description}]


async def test_guessing_tracking_tokens_is_limited(limited):
    filed = (await limited.client.post("/v1/complaints", json=BODY)).json()
    code = filed["tracking_code"]
    guesses = [(await limited.client.get(f"/v1/track/{code}",
                                         headers={"X-Tracking-Token": f"guess-{i:04d}"}
                                         )).status_code for i in range(4)]
    assert 429 not in guesses
    r = await limited.client.get(f"/v1/track/{code}", headers={"X-Tracking-Token": filed["token"]})
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    r = await limited.client.post(f"/v1/track/{code}/reply", json={"body": "halo"},
                                  headers={"X-Tracking-Token": filed["token"]})
    assert r.status_code == 429
