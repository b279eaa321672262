"""The citizen tracking page on a phone, in headless Chromium (360 px, Indonesian): the link of
the first message (``/lacak#c=<code>&t=<token>``) shows the complaint and drops the token from
the address bar; the citizen replies through the form; once an officer resolved it, the rating
link (``#c=<code>&do=rate``, no token: the page kept it) opens on the rating form, and the
rating is stored. Screenshots (desktop and phone) go to the test's tmp dir; the page loads
nothing from elsewhere and the browser reports no script error and no CSP refusal."""

from __future__ import annotations

import json

import httpx
import pytest

from services.complaints.app import create_app
from services.complaints.links import Links
from services.complaints.settings import ComplaintsSettings
from shared.auth import Role, mint_token
from shared.broker import free_port
from tests.browser.conftest import DevTools, require_chromium, served
from tests.integration.complaints.conftest import AGENCIES, ROAD

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(300)]



def shown(element_id: str) -> str:
    """True once the page has the element and shows it (false while it still loads)."""
    return f"(document.getElementById('{element_id}') || {{hidden: true}}).hidden === false"


async def text(browser: DevTools) -> str:
    return str(await browser.evaluate("document.body.innerText"))


async def test_a_citizen_follows_replies_and_rates_on_a_phone(tmp_path):
    require_chromium()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = ComplaintsSettings(environment="test", public_url=base,
                                  database_url=f"sqlite+aiosqlite:///{tmp_path / 'c.db'}",
                                  kafka_bootstrap=f"127.0.0.1:{free_port()}",
                                  relay_enabled=False, sla_scan_interval_s=3600)
    app = create_app(settings)
    app.state.runtime.subscriptions = ()
    browser = None
    async with served(app, port) as base:
        try:
            admin = {"Authorization": "Bearer " + mint_token(settings, subject="root",
                                                              roles=[Role.ADMIN], agency_id=None)}
            officer = {"Authorization": "Bearer " + mint_token(
                settings, subject="o-1", roles=[Role.OFFICER], agency_id="dpupr-bdg")}
            async with httpx.AsyncClient(base_url=base) as api:
                for agency in AGENCIES:
                    assert (await api.post("/v1/agencies", json=agency,
                                           headers=admin)).status_code == 201
                assert (await api.post("/v1/categories", json=ROAD,
                                       headers=admin)).status_code == 201
                r = await api.post("/v1/complaints", json={
                    "title": "Jalan berlubang di Jl. Merdeka", "category_code": "JALAN-RUSAK",
                    "attributes": {"severity": "heavy"},
                    "description": "Lubang besar di depan sekolah, berbahaya untuk motor.",
                    "reporter": {"email": "siti@example.id"}})
                assert r.status_code == 201, r.text
                filed = r.json()
            code, token = filed["tracking_code"], filed["token"]
            links = Links.of(settings)
            first_link = links.tracking(code, token)  # what the first message carries

            browser = await DevTools.start(tmp_path / "profile")
            await browser.open_page(width=360, height=740, accept_language="id-ID,id;q=0.9")
            await browser.send("Page.navigate", url=first_link)
            await browser.wait_for(shown("complaint"))
            assert await browser.evaluate("document.documentElement.lang") == "id"
            assert token not in str(await browser.evaluate("location.href"))  # dropped at once
            assert await browser.evaluate("document.getElementById('c-code').textContent") == code
            assert "Jalan berlubang" in await text(browser)
            assert await browser.evaluate("document.documentElement.scrollWidth") <= 360
            await browser.screenshot(tmp_path / "lacak-phone.png")

            await browser.evaluate("document.getElementById('f-reply').focus()")
            await browser.send("Input.insertText", text="Lubangnya makin besar setelah hujan.")
            await browser.evaluate(
                "document.querySelector('#form-reply button[type=submit]').click()")
            await browser.wait_for("document.getElementById('c-replies').innerText"
                                   ".includes('makin besar')")

            async with httpx.AsyncClient(base_url=base) as api:
                for step, body in (("verify", {}), ("start", {}),
                                   ("respond", {"body": "Sudah kami tambal hari ini."}),
                                   ("resolve", {})):
                    r = await api.post(f"/v1/complaints/{filed['id']}/{step}", json=body,
                                       headers=officer)
                    assert r.status_code == 200, (step, r.text)

            await browser.navigate("about:blank")
            await browser.send("Page.navigate", url=links.rating(code))  # no token in this link
            await browser.wait_for(shown("form-rate"))
            assert "Sudah kami tambal" in await text(browser)
            timeline = str(await browser.evaluate(
                "document.getElementById('c-timeline').innerText"))
            assert "Balasan Anda" in timeline and "Dinyatakan selesai → Selesai" in timeline
            assert await browser.evaluate(
                "document.activeElement && document.activeElement.name") == "score"
            await browser.evaluate("document.querySelector('input[name=score][value=\"4\"]')"
                                   ".click()")
            await browser.evaluate(
                "document.querySelector('#form-rate button[type=submit]').click()")
            await browser.wait_for(shown("c-rating"))
            assert "4/5" in str(await browser.evaluate(
                "document.getElementById('c-rating').textContent"))
            await browser.screenshot(tmp_path / "lacak-phone-rated.png")
            async with httpx.AsyncClient(base_url=base) as api:
                seen = (await api.get(f"/v1/track/{code}",
                                      headers={"X-Tracking-Token": token})).json()
            assert seen["rating"] == 4
            assert seen["replies"][0]["body"].startswith("Lubangnya")

            await browser.send("Emulation.setDeviceMetricsOverride", width=1280, height=900,
                               deviceScaleFactor=1, mobile=False)
            await browser.screenshot(tmp_path / "lacak-desktop.png")
            assert browser.console_problems() == [], browser.console_problems()
            asked = browser.requested()
            assert any(u.endswith("/lacak/static/lacak.js") for u in asked), asked
            assert [u for u in asked if not u.startswith((base + "/", "data:", "about:"))] == [], \
                asked
            print(f"screenshots: {tmp_path}")
        finally:
            if browser is not None:
                await browser.close()


async def test_links_put_the_token_only_in_the_fragment() -> None:
    links = Links(base="https://lapor.example.go.id", surveys_base="https://survei.example.go.id",
                  survey_ttl_days=30)
    assert links.tracking("SRA-7K3-M9Q-XW4", "abc_-DEF") == (
        "https://lapor.example.go.id/lacak#c=SRA-7K3-M9Q-XW4&t=abc_-DEF")
    assert links.rating("SRA-7K3-M9Q-XW4").endswith("/lacak#c=SRA-7K3-M9Q-XW4&do=rate")
    assert json.dumps(links.survey("x" * 43)).count("/v1/invitations/") == 1
