"""Each service's app over HTTP: health, readiness (and its reasons), metrics, docs, errors."""

from __future__ import annotations

import asyncio
import importlib
import os
import subprocess
import sys

import httpx
import pytest
from sqlalchemy import inspect, text

from shared.broker import free_port
from shared.db import create_engine

SERVICES = ["complaints", "surveys", "kpi", "notifications"]


def make_app(name: str, **settings):
    module = importlib.import_module(f"services.{name}.app")
    settings_cls = next(v for k, v in vars(importlib.import_module(f"services.{name}.settings"))
                        .items() if k.endswith("Settings") and k != "ServiceSettings")
    return module.create_app(settings_cls(environment="test", **settings))


async def call(app, *requests: tuple[str, str], ready: bool = False) -> list[httpx.Response]:
    """Run the app's lifespan and send the requests; with ``ready``, first wait until /readyz
    reports everything connected (``ready``, not only 200): consumers need a moment to join."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app)
        async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
            if ready:
                for _ in range(100):
                    if (await client.get("/readyz")).json()["status"] == "ready":
                        break
                    await asyncio.sleep(0.2)
            return [await client.request(method, path) for method, path in requests]


@pytest.mark.parametrize("name", SERVICES)
async def test_service_is_healthy_ready_and_measured(name, broker, database_url, topic_prefix):
    app = make_app(name, database_url=database_url, kafka_bootstrap=broker.bootstrap,
                   topic_prefix=topic_prefix, kafka_session_timeout_ms=2000)
    health, ready, docs, spec, missing, metrics = await call(
        app, ("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/docs"),
        ("GET", "/openapi.json"), ("GET", "/no-such-route"), ("GET", "/metrics"), ready=True)
    assert health.json() == {"status": "ok", "service": name}
    assert ready.status_code == 200, ready.text
    assert ready.json()["status"] == "ready"
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    assert {"/healthz", "/readyz", "/metrics"} <= set(spec.json()["paths"])
    assert missing.status_code == 404
    assert missing.json() == {"error": "not_found", "detail": "Tidak ditemukan.", "fields": []}
    assert metrics.headers["content-type"].startswith("text/plain")
    assert (f'suara_http_requests_total{{method="GET",route="/healthz",service="{name}",'
            f'status="200"}} 1.0') in metrics.text
    assert f'route="/readyz",service="{name}",status="200"' in metrics.text
    assert f'suara_broker_up{{service="{name}"}} 1.0' in metrics.text
    # migrations were applied at start (development/test): both branches are at their head
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            heads = {r[0] for r in await conn.execute(text("SELECT version_num "
                                                           "FROM alembic_version"))}
    finally:
        await engine.dispose()
    assert "bus_0001" in heads


@pytest.mark.parametrize("name", ["complaints", "notifications"])
async def test_a_missing_broker_is_reported_but_leaves_the_service_ready(name, tmp_path):
    """Readiness is the database's: a broker outage must not take every replica out of load
    balancing while the outbox keeps accepting writes (issue 8 item 19)."""
    app = make_app(name, database_url=f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}",
                   kafka_bootstrap=f"127.0.0.1:{free_port()}", kafka_request_timeout_ms=1000)
    health, ready, metrics = await call(app, ("GET", "/healthz"), ("GET", "/readyz"),
                                        ("GET", "/metrics"))
    assert health.status_code == 200
    assert ready.status_code == 200, ready.text
    body = ready.json()
    assert body["status"] == "degraded" and body["database"] == "ok"
    assert body["broker"] == "unreachable" and body["outbox_unsent"] == 0
    assert "broker" in body["reasons"]  # and each consumer group that cannot join
    assert set(body["reasons"]) <= {"broker"} | {f"consumer:{sub.name}"
                                                 for sub in app.state.runtime.subscriptions}
    assert body["reasons"]["broker"].startswith("broker unreachable")
    assert f'suara_broker_up{{service="{name}"}} 0.0' in metrics.text


async def test_the_outbox_backlog_is_reported_while_the_broker_is_away(tmp_path):
    from datetime import UTC, datetime, timedelta

    from shared.tables import outbox

    app = make_app("notifications", database_url=f"sqlite+aiosqlite:///{tmp_path / 'db'}",
                   kafka_bootstrap=f"127.0.0.1:{free_port()}", kafka_request_timeout_ms=1000)
    async with app.router.lifespan_context(app):
        async with app.state.runtime.engine.begin() as conn:
            await conn.execute(outbox.insert(), [
                {"event_id": f"e{i}", "topic": "t", "key": "k", "event_type": "x.v1",
                 "payload": b"{}", "created_at": datetime.now(UTC) - timedelta(minutes=3 - i)}
                for i in range(3)])
        transport = httpx.ASGITransport(app)
        async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
            ready = (await client.get("/readyz")).json()
            metrics = (await client.get("/metrics")).text
    assert ready["outbox_unsent"] == 3 and ready["outbox_oldest_unsent_s"] >= 120
    assert 'suara_outbox_unsent{service="notifications"} 3.0' in metrics


async def test_a_missing_database_makes_the_service_unready(tmp_path, broker):
    app = make_app("kpi", database_url=f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}",
                   kafka_bootstrap=broker.bootstrap)
    async with app.router.lifespan_context(app):
        await app.state.runtime.engine.dispose()
        (tmp_path / "db.sqlite").unlink()
        (tmp_path / "db.sqlite").mkdir()  # the file is gone and cannot be recreated
        transport = httpx.ASGITransport(app)
        async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
            ready = await client.get("/readyz")
    assert ready.status_code == 503, ready.text
    assert ready.json()["status"] == "unavailable" and ready.json()["database"] == "unreachable"


async def test_migrate_command_applies_the_migrations(database_url):
    env = os.environ | {"SUARA_SURVEYS_DATABASE_URL": database_url,
                        "SUARA_ENVIRONMENT": "production", "SUARA_LOG_LEVEL": "WARNING",
                        "SUARA_JWT_SECRET": "a-test-only-secret-that-is-long-enough",
                        "SUARA_SURVEYS_PUBLIC_URL": "https://survei.example.go.id"}
    done = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "services.surveys", "migrate"], env=env,
        capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "surveys: migrations applied" in done.stdout
    assert "@" not in done.stdout.split("applied to", 1)[1].split("/")[0]  # no credentials
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            tables = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()
    assert {"outbox", "processed_events", "alembic_version"} <= tables
