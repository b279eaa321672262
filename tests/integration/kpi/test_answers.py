"""Public answers kept in process (services/kpi/answers.py): a second read is served from
them, and the projection's writes, catalogue events and target changes drop what they
touch, so nothing folded here is shown late."""

from __future__ import annotations

import pytest

from shared.auth import Role
from tests.integration.kpi.factory import Complaint, agency, at

pytestmark = pytest.mark.asyncio


async def test_kept_then_dropped_by_a_write_of_the_agency_or_below(kpi):
    await kpi.deliver(agency("kota"), agency("kec-a", parent="kota"),
                      agency("kec-b", parent="kota"),
                      *Complaint("kec-a").file(at("2026-10-05 09:00")).events)
    assert (await kpi.indicators("kota", "2026-10"))["filed"]["value"] == 1
    page = await kpi.client.get("/dashboard/kec-b", params={"period": "2026-Q4"})
    assert page.status_code == 200
    kept = len(kpi.service.answers)
    assert kept == 2
    again = await kpi.client.get("/v1/public/agencies/kota/indicators",
                                 params={"period": "2026-10"})
    assert len(kpi.service.answers) == kept and "max-age=" in again.headers["cache-control"]
    # a filing of kec-a: kota's roll-up and kec-b's family (its withheld-value check) read it
    await kpi.deliver(*Complaint("kec-a").file(at("2026-10-06 09:00")).events)
    assert len(kpi.service.answers) == 0
    assert (await kpi.indicators("kota", "2026-10"))["filed"]["value"] == 2


async def test_an_unrelated_agency_s_answer_stays(kpi):
    await kpi.deliver(agency("x"), agency("y"), *Complaint("x").file(at("2026-10-05 09:00")).events)
    await kpi.indicators("x", "2026-10")
    await kpi.deliver(*Complaint("y").file(at("2026-10-05 10:00")).events)
    assert len(kpi.service.answers) == 1
    await kpi.deliver(agency("z"))  # the catalogue: everything dropped
    assert len(kpi.service.answers) == 0


async def test_a_target_change_drops_the_answers(kpi):
    await kpi.deliver(agency("x"), *Complaint("x").file(at("2026-10-05 09:00")).events)
    await kpi.indicators("x", "2026-10")
    r = await kpi.client.post("/v1/targets", headers=kpi.auth(Role.ADMIN), json={
        "agency_id": "x", "indicator_code": "filed", "value": 10, "direction": "at_least",
        "mode": "absolute"})
    assert r.status_code == 201, r.text
    assert len(kpi.service.answers) == 0
    assert (await kpi.indicators("x", "2026-10"))["filed"]["target"] == 10.0


async def test_nothing_kept_without_a_max_age(kpi_settings):
    from tests.integration.kpi.conftest import serve

    async for served in serve(kpi_settings(public_max_age_s=0), consume=False):
        await served.deliver(agency("x"), *Complaint("x").file(at("2026-10-05 09:00")).events)
        await served.indicators("x", "2026-10")
        assert len(served.service.answers) == 0


async def test_the_index_is_kept_until_any_agency_is_written(kpi):
    await kpi.deliver(agency("x"), *Complaint("x").file(at("2026-10-05 09:00")).events)
    first = await kpi.client.get("/dashboard", params={"period": "2026-Q4"})
    assert first.status_code == 200 and "/dashboard/x?period=2026-Q4" in first.text
    assert "default-src 'none'" in first.headers["content-security-policy"]
    again = await kpi.client.get("/dashboard", params={"period": "2026-Q4"})
    assert again.text == first.text and len(kpi.service.answers) == 1
    # a first filing of an agency the index did not list yet: it must show up
    await kpi.deliver(*Complaint("w").file(at("2026-10-06 09:00")).events)
    assert len(kpi.service.answers) == 0
    after = await kpi.client.get("/dashboard", params={"period": "2026-Q4"})
    assert "/dashboard/w?period=2026-Q4" in after.text
