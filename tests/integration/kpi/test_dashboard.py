"""The dashboard's HTML: numbers equal to the API's, both languages, nothing loaded from
elsewhere, a data table for every chart."""

from __future__ import annotations

import re

import pytest

from services.kpi.domain.suppression import SENSITIVE
from services.kpi.service import TREND_CODES
from services.kpi.service.indicators import DASHBOARD_BREAKDOWN
from tests.integration.kpi.factory import Complaint, agency, at, category, skm_response
from tests.integration.kpi.test_indicators import october

pytestmark = pytest.mark.asyncio


async def test_agency_page_shows_the_api_numbers(kpi):
    await kpi.deliver(agency("dinas-pu", name="Dinas Pekerjaan Umum"), *october(),
                      skm_response("dinas-pu", "unit-1", "2026-10", at("2026-10-05 10:00"),
                                   {f"U{i}": 3 + (i % 2) for i in range(1, 10)}))
    r = await kpi.client.get("/dashboard/dinas-pu", params={"period": "2026-10"})
    assert r.status_code == 200, r.text
    html = r.text
    api = await kpi.indicators("dinas-pu", "2026-10")
    shown = dict(re.findall(r'data-code="([a-z0-9_]+)" data-value="([^"]*)"', html))
    for code in ("filed", "resolved_within_5wd", "backlog", "ikm", "rating_mean"):
        assert shown[code] == str(api[code]["value"]), code
    assert "Dinas Pekerjaan Umum" in html and 'lang="id"' in html
    assert "50,00" in html  # Indonesian number format
    assert html.count("<svg") >= 5 and html.count("<table") >= 6
    assert not re.search(r'(src|href)="(https?:)?//', html)  # every asset is ours
    en = await kpi.client.get("/dashboard/dinas-pu", params={"period": "2026-10", "lang": "en"})
    assert "Complaints filed" in en.text and 'lang="en"' in en.text and "50.00" in en.text
    css = await kpi.client.get("/static/kpi/dashboard.css")
    assert css.status_code == 200 and "sr-only" in css.text
    index = await kpi.client.get("/dashboard", params={"period": "2026-10"})
    assert index.status_code == 200 and "/dashboard/dinas-pu?period=2026-10" in index.text
    assert (await kpi.client.get("/dashboard/nobody")).status_code == 404
    assert (await kpi.client.get("/dashboard/dinas-pu",
                                 params={"period": "2026-13"})).status_code == 422


def _months(categories: tuple[str, ...]) -> list:
    """Complaints of June to October in several categories, resolved in time or late, some
    rated, some still open: every trend tile has a value to show; the last category has one
    complaint a month (its cells withheld)."""
    events = []
    for month in (6, 7, 8, 9, 10):
        for k, code in enumerate(categories[:-1] * (4 + month % 3) + categories[-1:]):
            day = 1 + k
            c = (Complaint("dinas-pu", category_code=code)
                 .file(at(f"2026-{month:02d}-{day:02d} 09:00"))
                 .verify(at(f"2026-{month:02d}-{day:02d} 11:00")))
            if k % 5 != 4:
                c.respond(at(f"2026-{month:02d}-{day + 1:02d} 09:00"))
                done = day + (1, 4, 12)[(k // 2) % 3]
                c.resolve(at(f"2026-{month:02d}-{done:02d} 15:00"))
                c.rate(at(f"2026-{month:02d}-{done:02d} 18:00"), 1 + k % 5)
            events += c.events
    return events


async def test_the_trend_and_the_category_chart_equal_the_api(kpi):
    """The dashboard reads its trend's older periods and its breakdown by category lean (only
    what they show): what they show equals the public API's full answers."""
    codes = ("jalan", "sampah", "air", "izin")
    await kpi.deliver(agency("dinas-pu"), *[category(c, "dinas-pu") for c in codes],
                      *_months(codes))
    assert not set(TREND_CODES) & set(SENSITIVE)  # the sparklines never withhold
    data = await kpi.service.dashboard(agency_id="dinas-pu", period="2026-10")
    assert [code for code, _ in data.trend] == ["2026-06", "2026-07", "2026-08", "2026-09",
                                                "2026-10"]
    shown = 0
    for period, values in data.trend:
        api = await kpi.indicators("dinas-pu", period)
        assert values == {code: api[code]["value"] for code in TREND_CODES}, period
        shown += sum(v is not None for v in values.values())
    assert shown >= 30  # not a comparison of empty values
    r = await kpi.client.get("/v1/public/agencies/dinas-pu/breakdowns",
                             params={"period": "2026-10", "by": "category"})
    full = {row["value"]: row["indicators"] for row in r.json()["rows"]}
    lean = {row.value: row.cells for row in data.by_category.rows}
    assert set(lean) == set(full) == set(codes)
    assert full["izin"]["sla_resolution"]["suppressed"]
    assert any(0 < (full[c]["sla_resolution"]["value"] or 0) < 100 for c in codes)
    for value, cells in lean.items():
        assert set(cells) == set(DASHBOARD_BREAKDOWN)
        for code, cell in cells.items():
            assert cell.value == full[value][code]["value"], (value, code)
            assert cell.suppressed == full[value][code]["suppressed"], (value, code)
