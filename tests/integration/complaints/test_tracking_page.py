"""The citizen tracking page (/lacak): its language, its own CSP, its assets."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.asyncio


async def test_page_in_both_languages_with_its_headers(offline):
    c = offline.client
    page = await c.get("/lacak")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert 'lang="id"' in page.text and "Lacak pengaduan" in page.text
    csp = page.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "frame-ancestors 'none'" in csp
    assert "<script>" not in page.text and "style=" not in page.text
    assert page.headers["cache-control"] == "no-cache"
    assert page.headers["referrer-policy"] == "no-referrer"
    en = await c.get("/lacak", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert 'lang="en"' in en.text and "Track a complaint" in en.text
    assert "Lacak pengaduan" in (await c.get("/lacak?lang=id",
                                             headers={"Accept-Language": "en"})).text
    assert (await c.get("/lacak?satus=x")).status_code == 422


async def test_assets_are_served_and_cached(offline):
    for name, kind in (("lacak.js", "javascript"), ("lacak.css", "text/css")):
        r = await offline.client.get(f"/lacak/static/{name}")
        assert r.status_code == 200 and kind in r.headers["content-type"]
        assert r.headers["cache-control"] == "public, max-age=3600"
