"""The invitation link on a phone, in headless Chromium (360 px wide, Indonesian): opened too
early, the page waits and shows the questions once the link is active; the citizen answers,
first forgetting a question (the API's message shows beside it), then sends; the link is used
and says so when opened again. Screenshots of the form, the error and the thanks are saved in
the test's tmp dir; the page loads nothing from elsewhere and the browser reports no script
error and no CSP refusal."""

from __future__ import annotations

import json
import uuid
from types import SimpleNamespace

import httpx
import pytest

from services.surveys.app import create_app
from services.surveys.service import invitations
from shared.broker import free_port
from tests.browser.conftest import DevTools, require_chromium, served
from tests.integration.surveys.conftest import make_settings
from tests.integration.surveys.test_invitations import handle, new_token, resolved

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(300)]



async def click(browser: DevTools, selector: str) -> None:
    await browser.evaluate(f"document.querySelector({json.dumps(selector)}).click()")


async def test_a_citizen_answers_on_a_phone(broker, tmp_path, topic_prefix, monkeypatch):
    require_chromium()
    # a link opened before its complaint.resolved arrived: checked again every 5 s, not 30
    monkeypatch.setattr(invitations, "PENDING_RETRY_S", 5)
    port = free_port()
    settings = make_settings(f"sqlite+aiosqlite:///{tmp_path / 'surveys.db'}",
                             broker.bootstrap, topic_prefix, port=port)
    app = create_app(settings)
    app.state.runtime.subscriptions = ()
    app.state.runtime.task_factories = ()
    browser = None
    async with served(app, port) as base:
        try:
            token = new_token()
            url = f"{base}/v1/invitations/{token}"
            browser = await DevTools.start(tmp_path / "profile")
            await browser.open_page(width=360, height=740, accept_language="id-ID,id;q=0.9")
            await browser.navigate(url)
            assert "Survei belum siap" in str(await browser.evaluate("document.body.innerText"))
            await handle(SimpleNamespace(runtime=app.state.runtime, settings=settings),
                         resolved(str(uuid.uuid4()), token))
            # the page notices by itself and shows the questions
            await browser.wait_for("document.getElementById('survey') !== null", timeout=30)
            await browser.wait_for("document.readyState === 'complete'")
            assert await browser.evaluate("document.documentElement.lang") == "id"
            assert await browser.evaluate("document.querySelectorAll('#survey .q').length") == 5
            # the style sheet applied (a CSP refusal would leave the page unstyled)
            assert await browser.evaluate(
                "getComputedStyle(document.getElementById('send')).minHeight") == "48px"
            assert await browser.evaluate("document.documentElement.scrollWidth") <= 360
            await browser.screenshot(tmp_path / "invitation-phone-form.png")

            # three of four scales answered (by tapping their labels), a suggestion typed
            for code, score in (("speed", 4), ("clarity", 5), ("conduct", 3)):
                await click(browser, f"label[for='a-{code}-{score}']")
            await browser.evaluate("document.getElementById('a-suggestion').focus()")
            await browser.send("Input.insertText", text="Kabari lewat SMS saat mulai dikerjakan")
            await browser.evaluate("document.getElementById('f-occupation').value = 'WIRAUSAHA'")
            await click(browser, "#send")
            summary = await browser.wait_for(
                "!document.getElementById('problems').hidden && "
                "document.getElementById('problems').innerText")
            assert "Pertanyaan 4: Belum dijawab." in str(summary)
            assert await browser.evaluate(
                "document.querySelector('#q-resolution .error').textContent") == "Belum dijawab."
            assert await browser.evaluate(
                "document.querySelector('#a-resolution-1').getAttribute('aria-invalid')") == "true"
            assert await browser.evaluate("document.activeElement.id") == "problems"
            await browser.screenshot(tmp_path / "invitation-phone-error.png")
            async with httpx.AsyncClient(base_url=base) as client:
                assert (await client.get(f"/v1/invitations/{token}")).json()["status"] == "open"

            await click(browser, "label[for='a-resolution-5']")
            await click(browser, "#send")
            await browser.wait_for("!document.getElementById('thanks').hidden")
            assert await browser.evaluate("document.getElementById('answering').hidden") is True
            assert "Terima kasih" in str(await browser.evaluate("document.body.innerText"))
            await browser.screenshot(tmp_path / "invitation-phone.png")
            async with httpx.AsyncClient(base_url=base) as client:
                assert (await client.get(f"/v1/invitations/{token}")).json()["status"] == "used"

            await browser.navigate(url)
            shown_text = str(await browser.evaluate("document.body.innerText"))
            assert "Survei ini sudah dijawab" in shown_text
            assert await browser.evaluate("document.getElementById('survey')") is None
            await browser.screenshot(tmp_path / "invitation-phone-used.png")

            # nothing but the answer refused on purpose (the browser logs its 422)
            problems = [p for p in browser.console_problems() if "status of 422" not in p]
            assert problems == [], problems
            asked = browser.requested()
            assert any(u.endswith("/static/surveys/invitation.js") for u in asked), asked
            assert [u for u in asked if not u.startswith((base + "/", "data:"))] == [], asked
            print(f"screenshots: {tmp_path}")
        finally:
            if browser is not None:
                await browser.close()
