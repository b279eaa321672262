"""Browsers: CORS from settings, security headers, no-store by default, local docs pages
(issue 8 item 17)."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
import uvicorn

from shared.broker import free_port
from tests.integration.web.testapp import create_app

SITE = "https://lapor.bandung.go.id"
PREFLIGHT = {"Origin": SITE, "Access-Control-Request-Method": "POST",
             "Access-Control-Request-Headers": "content-type, idempotency-key"}


async def test_every_answer_has_the_security_headers_and_no_store(make_client):
    async with make_client() as c:
        for r in (await c.get("/healthz"), await c.get("/things/x"),
                  await c.post("/filings", json={})):
            assert r.headers["x-content-type-options"] == "nosniff"
            assert r.headers["referrer-policy"] == "no-referrer"
            assert r.headers["x-frame-options"] == "DENY"
            assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
            assert r.headers["cache-control"] == "no-store"
            assert "strict-transport-security" not in r.headers
    async with make_client(environment="production", jwt_secret="p" * 40) as c:
        r = await c.get("/healthz")
        assert r.headers["strict-transport-security"].startswith("max-age=31536000")


async def test_a_route_that_sets_its_own_caching_keeps_it(client):
    r = await client.get("/cached")
    assert r.headers["cache-control"] == "public, max-age=60" and r.headers["etag"] == '"v1"'


async def test_no_origin_is_allowed_by_default(client):
    r = await client.options("/filings", headers=PREFLIGHT)
    assert r.status_code == 403 and r.json()["error"] == "cors_origin_not_allowed"
    r = await client.get("/filings", headers={"Origin": SITE})
    assert r.status_code == 200 and "access-control-allow-origin" not in r.headers


async def test_an_allowed_origin_gets_its_preflight_and_its_answers(make_client):
    async with make_client(cors_allowed_origins=f"{SITE}, https://admin.suara.id") as c:
        r = await c.options("/filings", headers=PREFLIGHT)
        assert r.status_code == 204
        assert r.headers["access-control-allow-origin"] == SITE
        assert "POST" in r.headers["access-control-allow-methods"]
        assert r.headers["access-control-allow-headers"] == "content-type, idempotency-key"
        assert r.headers["access-control-max-age"] == "600"
        r = await c.post("/filings", json={"title": "x"}, headers={"Origin": SITE})
        assert r.headers["access-control-allow-origin"] == SITE
        assert "Origin" in r.headers.get_list("vary")
        assert "Retry-After" in r.headers["access-control-expose-headers"]
        r = await c.get("/filings", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in r.headers
    async with make_client(cors_allowed_origins="*") as c:
        r = await c.get("/filings", headers={"Origin": "https://any.example"})
        assert r.headers["access-control-allow-origin"] == "*"


async def test_refusals_of_the_shared_layer_carry_the_headers_too(make_client):
    async with make_client(cors_allowed_origins=SITE, max_body_bytes=1024) as c:
        r = await c.post("/raw", content=b"x" * 2000, headers={"Origin": SITE})
        assert r.status_code == 413
        assert r.headers["access-control-allow-origin"] == SITE
        assert r.headers["cache-control"] == "no-store"


def test_a_malformed_origin_setting_is_refused():
    from tests.integration.web.testapp import WebTestSettings

    with pytest.raises(ValueError, match="origin"):
        WebTestSettings(cors_allowed_origins="lapor.bandung.go.id/path")


async def test_docs_pages_reference_only_local_assets(client):
    for path in ("/docs", "/redoc"):
        r = await client.get(path)
        assert r.status_code == 200
        urls = re.findall(r'(?:src|href)="([^"]+)"', r.text)
        assert urls and all(u.startswith("/docs/static/") for u in urls), urls
        assert "http://" not in r.text and "https://" not in r.text
        csp = r.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "script-src 'self'" in csp
        assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";")[0]
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js"):
        r = await client.get(f"/docs/static/{asset}")
        assert r.status_code == 200 and len(r.content) > 100_000
        assert r.headers["cache-control"] == "public, max-age=86400"
    assert "/docs/static/swagger-ui.css" not in (await client.get("/openapi.json")).text


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install "
                                               "chromium)")
@pytest.mark.parametrize(("path", "rendered"), [("/docs", "opblock"), ("/redoc", "api-info")])
async def test_a_browser_renders_the_docs_without_any_request_leaving_the_machine(path,
                                                                                   rendered):
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(), port=port, log_config=None,
                                           lifespan="off"))
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            await asyncio.sleep(0.05)
        with tempfile.TemporaryDirectory() as tmp:
            netlog = Path(tmp) / "net.json"
            done = await asyncio.to_thread(subprocess.run, [
                CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                # nothing but this machine resolves: not even the browser's own chatter
                # (updates, accounts) may try to leave it
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                "--no-first-run", "--disable-background-networking", "--no-pings",
                "--disable-component-update", "--disable-sync", "--disable-default-apps",
                "--disable-domain-reliability", "--disable-client-side-phishing-detection",
                "--disable-features=OptimizationHints,MediaRouter,Translate",
                f"--user-data-dir={tmp}/p",
                f"--log-net-log={netlog}", "--virtual-time-budget=15000", "--dump-dom",
                f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, timeout=90)
            dom = done.stdout
            log = netlog.read_text(errors="replace")
    finally:
        server.should_exit = True
        await task
    assert rendered in dom, (done.stderr[-2000:], dom[:2000])
    origin = f"http://127.0.0.1:{port}"
    text = log.rstrip().rstrip(",")
    events = json.loads(text if text.endswith("}") else text + "]}")["events"]
    requests = [e["params"] for e in events if "url" in e.get("params", {})]
    # what the page asked for (its initiator is the page's origin) came from the service;
    # the browser's own chatter (initiator "not an origin") resolves nowhere (the rules above)
    by_page = {r["url"] for r in requests if r.get("initiator") == origin}
    assert any("/docs/static/" in u for u in by_page), "the net log recorded no asset request"
    assert {u for u in by_page if not u.startswith(origin + "/")} == set()
