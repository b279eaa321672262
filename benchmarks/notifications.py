"""Notifications: webhook deliveries and e-mails, each against a bare baseline in the same run.

- **Webhook deliveries/s**: the dispatcher (messages stored, leased, signed, POSTed, every
  attempt recorded in SQLite) to one local receiver, against a bare loop of signed httpx POSTs
  to the same receiver with the same concurrency (8 in flight on one client, the endpoint's
  limit), the issue's baseline; and against the same bare loop on aiohttp, the library the
  dispatcher sends with, so that its own overhead shows too. The receiver is a uvicorn process
  of its own (httptools) answering 204.
- **Complaint filed → webhook received**, p50/p99: the real complaints app files (paced, over
  ASGI), its relay publishes to the local broker, the notifications consumer fans the event out
  and the dispatcher delivers; the receiver stamps each arrival.
- **E-mails/s**: the sender loop (lease, render id/en templates, send, record) to an aiosmtpd
  process, against bare aiosmtplib sends of the same messages over the same number of
  connections (4).

Alternating rounds, medians; the machine is shared and noisy, so compare the ratios.
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import aiohttp
import aiosmtplib
import httpx

from shared.broker import LocalBroker, ensure_topics, free_port
from shared.deps import registered
from shared.topics import all_topic_names

ROUNDS = 3
WEBHOOKS = 2000
EMAILS = 600
LATENCY_SAMPLES = 150
#: CPU seconds a delivery costs this process, last measured (less noisy than the rates)
CPU: dict[str, float] = {}

RECEIVER = r'''
import sys, time, json
arrivals = {}
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    while True:
        m = await receive()
        if not m.get("more_body"):
            break
    if scope["path"] == "/arrivals":
        body = json.dumps(arrivals).encode()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body})
        return
    now = time.time()
    for k, v in scope["headers"]:
        if k == b"webhook-id":
            arrivals[v.decode()] = now
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})
import uvicorn
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="error",
            access_log=False, http="httptools", loop="uvloop", lifespan="off")
'''


def _process(code: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, *code], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


async def _until_up(url: str) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(200):
            try:
                await client.get(url)
                return
            except httpx.HTTPError:
                await asyncio.sleep(0.05)
    raise RuntimeError(f"{url} did not come up")


# -- webhooks ---------------------------------------------------------------------------------


BARE_BODY = b'{"specversion":"1.0","type":"complaint.filed.v1","data":{}}' * 6
Post = Callable[[dict[str, str]], Awaitable[int]]


async def _bare_loop(name: str, n: int, post: Post) -> float:
    """``n`` signed POSTs of one body, 8 in flight; ``post`` sends one and gives the status."""
    from services.notifications.domain.webhooks import signature_header

    key = b"k" * 32
    queue = list(range(n))

    async def worker() -> None:
        while queue:
            msg_id = f"bare-{name}-{queue.pop()}"
            stamp = int(time.time())
            status = await post({
                "content-type": "application/json", "webhook-id": msg_id,
                "webhook-timestamp": str(stamp),
                "webhook-signature": signature_header([key], msg_id, stamp, BARE_BODY)})
            assert status == 204
    started = time.perf_counter()
    cpu = time.process_time()
    await asyncio.gather(*(worker() for _ in range(8)))
    CPU[name] = (time.process_time() - cpu) / n
    return n / (time.perf_counter() - started)


async def _bare_webhooks(url: str, n: int) -> float:
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=8,
                                                     max_keepalive_connections=8)) as client:
        async def post(headers: dict[str, str]) -> int:
            return (await client.post(url, content=BARE_BODY, headers=headers)).status_code
        return await _bare_loop("bare", n, post)


async def _bare_aiohttp(url: str, n: int) -> float:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=8),
                                     cookie_jar=aiohttp.DummyCookieJar()) as session:
        async def post(headers: dict[str, str]) -> int:
            async with session.post(url, data=BARE_BODY, headers=headers,
                                    allow_redirects=False) as r:
                await r.read()
                return r.status
        return await _bare_loop("bare_aiohttp", n, post)


def _settings(tmp: Path, **extra: Any) -> Any:
    from services.notifications.settings import NotificationsSettings

    values: dict[str, Any] = {"environment": "test", "relay_enabled": False,
                              "database_url": f"sqlite+aiosqlite:///{tmp}/n-{uuid.uuid4()}.db",
                              "kafka_bootstrap": "127.0.0.1:1"}
    return NotificationsSettings(**(values | extra))


async def _service_webhooks(url: str, n: int, tmp: Path) -> float:
    from services.notifications.app import create_app
    from services.notifications.service.webhooks import WebhookService
    from shared.auth import Role, mint_token
    from shared.events import ComplaintFiled, new_event

    settings = _settings(tmp, webhook_endpoint_rate_per_s=100_000)
    app = create_app(settings)
    runtime = app.state.runtime
    runtime.subscriptions = ()
    runtime.task_factories = ()
    svc = registered(app, WebhookService)
    now = datetime.now(UTC)
    async with app.router.lifespan_context(app):
        token = mint_token(settings, subject="b", roles=[Role.ADMIN], agency_id="a-1")
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app),
                                     base_url="http://n") as client:
            r = await client.post("/v1/webhooks", headers={"Authorization": f"Bearer {token}"},
                                  json={"url": url, "event_types": ["complaint.*"]})
            assert r.status_code == 201, r.text
        for start in range(0, n, 500):
            async with runtime.unit_of_work() as uow:
                for i in range(start, min(n, start + 500)):
                    await svc.fan_out(uow, new_event(ComplaintFiled(
                        complaint_id=f"c-{i}", agency_id="a-1", category_code="X",
                        occurred_at=now, channel="web", privacy="public",
                        verification_due_at=now), source="/suara/complaints"))
        from sqlalchemy import func, select

        from services.notifications.models import webhook_messages as m
        stopping = asyncio.Event()
        started = time.perf_counter()
        cpu = time.process_time()
        task = asyncio.create_task(svc.dispatch_forever(stopping))
        while True:
            await asyncio.sleep(0.1)
            async with runtime.engine.connect() as conn:
                left = (await conn.execute(select(func.count()).select_from(m).where(
                    m.c.status != "succeeded"))).scalar_one()
            if not left:
                break
        rate = n / (time.perf_counter() - started)
        CPU["service"] = (time.process_time() - cpu) / n
        stopping.set()
        await task
    return rate


async def _latency(tmp: Path, receiver_url: str, arrivals_url: str) -> tuple[float, float]:
    from services.complaints.app import create_app as complaints_app
    from services.complaints.settings import ComplaintsSettings
    from services.notifications.app import create_app
    from shared.auth import Role, mint_token

    with LocalBroker() as broker:
        prefix = f"b{uuid.uuid4().hex[:6]}."
        await ensure_topics(broker.bootstrap, all_topic_names(prefix))
        common: dict[str, Any] = {"environment": "test", "kafka_bootstrap": broker.bootstrap,
                                  "topic_prefix": prefix, "kafka_session_timeout_ms": 2000}
        c_settings = ComplaintsSettings(database_url=f"sqlite+aiosqlite:///{tmp}/c.db",
                                        sla_scan_interval_s=3600, **common)
        n_settings = _settings(tmp, **(common | {"relay_enabled": True}))
        capp, napp = complaints_app(c_settings), create_app(n_settings)
        async with capp.router.lifespan_context(capp), napp.router.lifespan_context(napp):
            admin = {"Authorization": "Bearer " + mint_token(c_settings, subject="r",
                                                             roles=[Role.ADMIN],
                                                             agency_id=None)}
            async with httpx.AsyncClient(transport=httpx.ASGITransport(capp),
                                         base_url="http://c") as c, httpx.AsyncClient(
                    transport=httpx.ASGITransport(napp), base_url="http://n") as n:
                await c.post("/v1/agencies", headers=admin, json={
                    "id": "a-1", "name_id": "Dinas", "name_en": "Office", "kind": "unit"})
                await c.post("/v1/categories", headers=admin, json={
                    "code": "X", "agency_id": "a-1", "name_id": "X", "name_en": "X",
                    "complexity": "simple", "attributes": []})
                r = await n.post("/v1/webhooks", json={"url": receiver_url,
                                                       "event_types": ["complaint.filed.v1"]},
                                 headers={"Authorization": "Bearer " + mint_token(
                                     n_settings, subject="b", roles=[Role.ADMIN],
                                     agency_id="a-1")})
                assert r.status_code == 201, r.text
                for consumer in napp.state.runtime.consumers:
                    while not consumer.connected:
                        await asyncio.sleep(0.1)
                await asyncio.sleep(3)  # the group's first join
                filed: dict[str, float] = {}
                for i in range(LATENCY_SAMPLES):
                    at = time.time()
                    r = await c.post("/v1/complaints", json={
                        "title": f"Bench {i}", "description": "Jalan berlubang besar.",
                        "category_code": "X"})
                    filed[r.json()["id"]] = at
                    await asyncio.sleep(0.02)
                # the webhook-id is the event id: map it back through the outbox's key
                from sqlalchemy import select

                from shared.tables import outbox
                async with capp.state.runtime.engine.connect() as conn:
                    rows = (await conn.execute(select(outbox.c.event_id, outbox.c.key).where(
                        outbox.c.event_type == "complaint.filed.v1"))).all()
                wanted = {e: k for e, k in rows if k in filed}
                deadline = time.monotonic() + 60
                async with httpx.AsyncClient() as plain:
                    while time.monotonic() < deadline:
                        arrivals = (await plain.get(arrivals_url)).json()
                        if all(e in arrivals for e in wanted):
                            break
                        await asyncio.sleep(0.5)
                latencies = sorted(arrivals[e] - filed[k] for e, k in wanted.items()
                                   if e in arrivals)
    if len(latencies) < LATENCY_SAMPLES:
        raise RuntimeError(f"only {len(latencies)} of {LATENCY_SAMPLES} webhooks arrived")
    p50 = latencies[len(latencies) // 2]
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return p50, p99


# -- e-mail -------------------------------------------------------------------------------------


def _mail(i: int) -> EmailMessage:
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = "Suara <no-reply@suara.localhost>", f"w{i}@x.id", "Hi"
    m["Message-ID"] = f"<bare-{i}@suara.localhost>"
    m.set_content("Pengaduan Anda diterima. " * 20)
    m.add_alternative("<p>" + "Pengaduan Anda diterima. " * 20 + "</p>", subtype="html")
    return m


async def _bare_emails(port: int, n: int) -> float:
    queue = list(range(n))

    async def worker() -> None:
        client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port)
        await client.connect()
        while queue:
            await client.send_message(_mail(queue.pop()))
        await client.quit()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(4)))
    return n / (time.perf_counter() - started)


async def _service_emails(port: int, n: int, tmp: Path) -> float:
    from services.notifications.app import create_app
    from services.notifications.service.messages import MessageService
    from shared.events.notifications import NotificationRequested

    settings = _settings(tmp, smtp_port=port, rate_limit_per_hour=1_000_000,
                         sender_batch=200, dedupe_window_s=0)
    app = create_app(settings)
    runtime = app.state.runtime
    runtime.subscriptions = ()
    runtime.task_factories = ()
    svc = registered(app, MessageService)
    async with app.router.lifespan_context(app):
        now = datetime.now(UTC)
        async with runtime.unit_of_work() as uow:
            for i in range(n):
                await svc.accept(uow, NotificationRequested(
                    notification_id=f"m-{uuid.uuid4()}", channel="email",
                    recipient=f"w{i}@x.id", audience="citizen",
                    locale="id" if i % 2 else "en", template_name="complaint_status_changed",
                    template_variables={"tracking_code": f"SR-{i:06d}", "status": "verified",
                                        "tracking_url": f"https://l.example/t/{i}"},
                    occurred_at=now))
        started = time.perf_counter()
        sent = 0
        while sent < n:
            claimed = await svc.claim()
            if not claimed.jobs:
                break
            await svc.record(await svc.send(claimed.jobs))
            sent += len(claimed.jobs)
        rate = sent / (time.perf_counter() - started)
        await svc.close()
    return rate


async def run() -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        rport, sport = free_port(), free_port()
        receiver = _process(["-c", RECEIVER, str(rport)])
        smtp = _process(["-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{sport}",
                         "-c", "aiosmtpd.handlers.Sink"])
        try:
            await _until_up(f"http://127.0.0.1:{rport}/arrivals")
            url = f"http://127.0.0.1:{rport}/hook"
            await _bare_webhooks(url, 300)  # warm-up
            await _bare_aiohttp(url, 300)
            bare, bare_a, ours, cpu_bare, cpu_a, cpu_ours = [], [], [], [], [], []
            for _ in range(ROUNDS):
                bare.append(await _bare_webhooks(url, WEBHOOKS))
                cpu_bare.append(CPU["bare"])
                bare_a.append(await _bare_aiohttp(url, WEBHOOKS))
                cpu_a.append(CPU["bare_aiohttp"])
                ours.append(await _service_webhooks(url, WEBHOOKS, tmp))
                cpu_ours.append(CPU["service"])
            b, a, o = (statistics.median(x) for x in (bare, bare_a, ours))
            ratios = [x / y for x, y in zip(ours, bare, strict=True)]
            ratios_a = [x / y for x, y in zip(ours, bare_a, strict=True)]
            rows += [("webhooks: bare signed httpx POSTs (8 in flight)", f"{b:,.0f}/s"),
                     ("webhooks: bare signed aiohttp POSTs (8 in flight)", f"{a:,.0f}/s"),
                     ("webhooks: dispatcher (stored, signed, attempts logged)",
                      f"{o:,.0f}/s = {o / b:.0%} of bare httpx (rounds {min(ratios):.0%}-"
                      f"{max(ratios):.0%}; goal ≥ 70 %), {o / a:.0%} of bare aiohttp "
                      f"(rounds {min(ratios_a):.0%}-{max(ratios_a):.0%})"),
                     ("webhooks: CPU per delivery in this process, httpx / aiohttp / dispatcher",
                      f"{statistics.median(cpu_bare) * 1000:.2f} ms / "
                      f"{statistics.median(cpu_a) * 1000:.2f} ms / "
                      f"{statistics.median(cpu_ours) * 1000:.2f} ms (with the SQLite thread)")]
            print(*rows, sep="\n", flush=True)
            p50, p99 = await _latency(tmp, url, f"http://127.0.0.1:{rport}/arrivals")
            rows.append(("complaint filed -> webhook received",
                         f"p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms "
                         f"({LATENCY_SAMPLES} filings, local broker; goal p99 < 2 s)"))
            bare_mail, our_mail = [], []
            for _ in range(ROUNDS):
                bare_mail.append(await _bare_emails(sport, EMAILS))
                our_mail.append(await _service_emails(sport, EMAILS, tmp))
            bm, om = statistics.median(bare_mail), statistics.median(our_mail)
            rows += [("e-mails: bare aiosmtplib sends (4 connections)", f"{bm:,.0f}/s"),
                     ("e-mails: sender loop (stored, rendered, recorded)",
                      f"{om:,.0f}/s = {om / bm:.0%} of bare")]
        finally:
            for p in (receiver, smtp):
                p.terminate()
                p.wait(timeout=10)
    return rows


if __name__ == "__main__":
    from shared.logging import configure_logging

    configure_logging("console", "WARNING")
    for label, value in asyncio.run(run()):
        print(f"{label:<58} {value}")
