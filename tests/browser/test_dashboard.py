"""The dashboard in headless Chromium: the numbers on the page equal the API's; screenshots of
the desktop and the 360 px phone layouts are saved in the test's tmp dir."""

from __future__ import annotations

import re
from html import unescape

import httpx
import pytest

from services.kpi.app import create_app
from shared.broker import free_port
from shared.testing import Deliverer
from tests.browser.conftest import DevTools, chromium, require_chromium, served
from tests.integration.kpi.conftest import make_settings
from tests.integration.kpi.factory import Complaint, agency, at, category, skm_response
from tests.integration.kpi.test_indicators import october

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(300)]



def history() -> list:
    events = [agency("kota", name="Pemerintah Kota Bandung"),
              agency("dinas-pu", parent="kota", name="Dinas Pekerjaan Umum"),
              category("jalan", "dinas-pu"), category("sampah", "dinas-pu"),
              category("pungli", "dinas-pu", integrity=True), *october()]
    for i in range(12):
        day = 5 + i % 20
        c = (Complaint("dinas-pu", category_code="sampah" if i % 3 else "jalan")
             .file(at(f"2026-10-{day:02d} 08:00")).verify(at(f"2026-10-{day:02d} 09:00"))
             .respond(at(f"2026-10-{day:02d} 15:00")))
        if i % 4:
            c.resolve(at(f"2026-10-{day + 2 + i % 5:02d} 10:00"))
        events += c.events
    # one integrity complaint, resolved: its category's SLA cell is withheld (and a complement)
    events += (Complaint("dinas-pu", category_code="pungli").file(at("2026-10-20 09:00"))
               .verify(at("2026-10-20 10:00")).respond(at("2026-10-20 11:00"))
               .resolve(at("2026-10-21 09:00"))).events
    for unit, base in (("unit-1", 3), ("unit-2", 4)):
        for i in range(6):
            events.append(skm_response("dinas-pu", unit, "2026-10", at("2026-10-06 10:00"),
                                       {f"U{k}": max(1, base - (k + i) % 2) for k in
                                        range(1, 10)}))
    return events


def numbers(dom: str) -> dict[str, str]:
    return {code: unescape(value) for code, value in
            re.findall(r'data-code="([a-z0-9_]+)" data-value="([^"]*)"', dom)}


async def test_dashboard_in_chromium(broker, tmp_path, topic_prefix):
    require_chromium()
    settings = make_settings(f"sqlite+aiosqlite:///{tmp_path / 'kpi.db'}", broker.bootstrap,
                             topic_prefix, port=free_port())
    app = create_app(settings)
    app.state.runtime.subscriptions, subs = (), app.state.runtime.subscriptions
    app.state.runtime.task_factories = ()
    async with served(app, settings.port) as base:
            deliver = Deliverer(app.state.runtime.engine, subs[0])
            for e in history():
                await deliver(e)
            async with httpx.AsyncClient(base_url=base) as client:
                api = {i["code"]: i for i in (await client.get(
                    "/v1/public/agencies/dinas-pu/indicators",
                    params={"period": "2026-10"})).json()["indicators"]}
            url = f"{base}/dashboard/dinas-pu?period=2026-10"
            dom = (await chromium("--dump-dom", url, profile=tmp_path / "p1")).decode()
            shown = numbers(dom)
            for code in ("filed", "resolved_within_5wd", "sla_resolution",
                         "time_to_resolution_wd_median", "backlog", "ikm", "rating_mean",
                         "reopen_rate", "backlog_age_0_3", "backlog_age_15_60"):
                expected = api[code]["value"]
                assert shown[code] == ("" if expected is None else str(expected)), code
            assert "Dinas Pekerjaan Umum" in dom
            assert re.search(r">\s*\d+,\d\d\s*<", dom)  # Indonesian decimals in the page
            sla_chart = dom.split("Kepatuhan SLA penyelesaian per kategori",
                                  1)[1].split("</svg>")[0]
            assert "disembunyikan (&lt; 3 pengaduan)" in sla_chart or \
                "disembunyikan (< 3 pengaduan)" in sla_chart
            en = (await chromium("--dump-dom", url + "&lang=en", profile=tmp_path / "p2")).decode()
            assert "Complaints filed" in en and numbers(en)["filed"] == shown["filed"]
            for name, size in (("desktop", "1280,2000"), ("phone", "360,2600")):
                path = tmp_path / f"dashboard-{name}.png"
                await chromium(f"--screenshot={path}", f"--window-size={size}", "--hide-scrollbars",
                               url, profile=tmp_path / f"s-{name}")
                assert path.exists() and path.stat().st_size > 10_000, name
            browser = await DevTools.start(tmp_path / "p-phone")
            try:
                await browser.open_page(width=360, height=740, accept_language="id-ID,id;q=0.9")
                await browser.navigate(url)
                await browser.wait_for("document.readyState === 'complete'")
                wide = await browser.evaluate(
                    "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect()"
                    ".right > 361 && !e.closest('.scroll, .sr-only')).map(e => e.tagName + '.' + "
                    "e.className + ':' + Math.round(e.getBoundingClientRect().right)).slice(0, 10)")
                assert wide == [], wide  # nothing wider than a phone outside a scroll box
                assert await browser.evaluate("document.documentElement.scrollWidth") <= 360
                assert browser.console_problems() == []
            finally:
                await browser.close()
            index = (await chromium("--dump-dom", f"{base}/dashboard?period=2026-10",
                                    profile=tmp_path / "p3")).decode()
            assert "Pemerintah Kota Bandung" in index
            print(f"screenshots: {tmp_path}")
