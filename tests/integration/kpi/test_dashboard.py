"""The dashboard's HTML: numbers equal to the API's, both languages, nothing loaded from
elsewhere, a data table for every chart."""

from __future__ import annotations

import re

import pytest

from tests.integration.kpi.factory import agency, at, skm_response
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
