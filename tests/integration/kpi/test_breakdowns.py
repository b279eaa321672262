"""Breakdowns: per category, channel, region; small numbers withheld in public only."""

from __future__ import annotations

import pytest

from shared.auth import Role
from tests.integration.kpi.factory import Complaint, at, category

pytestmark = pytest.mark.asyncio


async def seed(kpi) -> None:
    events = [category("jalan", "kota"), category("pungli", "kota", integrity=True)]
    for i in range(5):
        c = (Complaint("kota", category_code="jalan", region_code="32.73.01")
             .file(at(f"2026-10-0{i + 1} 09:00")).verify(at(f"2026-10-0{i + 1} 10:00")))
        events += c.events
    for i in range(4):
        events += Complaint("kota", category_code="sampah", region_code="32.73.02").file(
            at(f"2026-10-1{i} 09:00")).events
    # one complaint about extortion in a small district: it must not be visible alone
    events += Complaint("kota", category_code="pungli", region_code="32.73.03",
                        privacy="confidential").file(at("2026-10-20 09:00")).events
    await kpi.deliver(*events)


async def test_public_breakdown_suppresses_small_cells_and_their_complement(kpi):
    await seed(kpi)
    r = await kpi.client.get("/v1/public/agencies/kota/breakdowns",
                             params={"period": "2026-10", "by": "category"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["suppression_threshold"] == 3
    rows = {row["value"]: row["indicators"] for row in body["rows"]}
    assert rows["pungli"]["filed"] == {"value": None, "suppressed": True}
    # the complement: with the total (10) published, 10 - 5 - 4 would give pungli away
    assert rows["sampah"]["filed"]["suppressed"] is True
    assert rows["jalan"]["filed"] == {"value": 5, "suppressed": False}
    csv = await kpi.client.get("/v1/public/agencies/kota/breakdowns.csv",
                               params={"period": "2026-10", "by": "region"})
    assert csv.status_code == 200 and "suppressed" in csv.text
    assert "32.73.03" in csv.text


async def test_supervisors_see_every_cell(kpi):
    await seed(kpi)
    r = await kpi.client.get("/v1/agencies/kota/breakdowns",
                             params={"period": "2026-10", "by": "category"},
                             headers=kpi.auth(Role.SUPERVISOR, agency="kota"))
    rows = {row["value"]: row["indicators"] for row in r.json()["rows"]}
    assert rows["pungli"]["filed"]["value"] == 1
    assert r.json()["suppression_threshold"] is None


async def test_exports_and_data_dictionary(kpi):
    await seed(kpi)
    r = await kpi.client.get("/v1/public/agencies/kota/indicators.csv",
                             params={"period": "2026-Q4"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.text.splitlines()[0].startswith("agency_id,period,code,value,target")
    assert "kota,2026-Q4,filed,10," in r.text
    assert "attachment" in r.headers["content-disposition"] and r.headers["etag"]
    j = await kpi.client.get("/v1/public/agencies/kota/indicators.json",
                             params={"period": "2026-Q4"})
    assert j.json()["indicators"][0]["value"] == 10
    d = (await kpi.client.get("/v1/public/data-dictionary")).json()
    codes = {i["code"] for i in d["indicators"]}
    assert {"filed", "ikm", "resolved_within_5wd", "backlog"} <= codes
    assert set(d["columns"]) >= {"code", "value", "target", "score", "suppressed"}
    series = (await kpi.client.get("/v1/public/agencies/kota/series",
                                   params={"period": "2026-10"})).json()
    assert sum(p["values"].get("filed", 0) for p in series["points"]) == 10


async def test_a_series_charts_count_indicators_only(kpi):
    await seed(kpi)
    boss = kpi.auth(Role.SUPERVISOR, agency="kota")
    ok = await kpi.client.get("/v1/agencies/kota/series", headers=boss,
                              params={"period": "2026-10", "measure": ["filed", "reopened"]})
    assert ok.status_code == 200, ok.text
    assert sum(p["values"].get("filed", 0) for p in ok.json()["points"]) == 10
    for bad in (["ikm"], ["filed", "nonsense"], ["x" * 300]):
        r = await kpi.client.get("/v1/agencies/kota/series", headers=boss,
                                 params={"period": "2026-10", "measure": bad})
        assert r.status_code == 422, r.text
        assert r.json()["error"] == "unknown_measure" and len(r.text) < 2000
