"""Complaint intake over real HTTP against a bare FastAPI insert on the same database.

Both run as uvicorn processes (one worker, uvloop, httptools) on SQLite files in one temporary
folder; the complaints service also writes its outbox rows and relays them to the local broker,
as it does in production. Same load (32 connections, closed loop), same run.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import httpx

from benchmarks.load import LoadResult, run_load
from benchmarks.pg import drop_database, fresh_database
from shared.auth import Role, mint_token
from shared.broker import LocalBroker, ensure_topics, free_port
from shared.settings import ServiceSettings
from shared.topics import all_topic_names

DESCRIPTION = ("Jalan di depan pasar berlubang besar sejak musim hujan. " * 14)[:800]


def body(i: int) -> dict:
    return {"title": f"Jalan berlubang #{i}", "description": DESCRIPTION,
            "category_code": "BENCH", "location": {"lat": -6.9, "long": 107.6},
            "reporter": {"name": "Warga", "email": f"warga{i}@example.id"}}


def _wait(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


def _start(cmd: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


async def run(seconds: float = 8.0, connections: int = 32) -> list[tuple[str, str]]:
    rows = []
    pg = os.environ.get("SUARA_BENCH_POSTGRES_URL") or os.environ.get("SUARA_TEST_POSTGRES_URL")
    with LocalBroker() as broker, tempfile.TemporaryDirectory() as tmp:
        await ensure_topics(broker.bootstrap, all_topic_names())
        databases = [("SQLite", f"sqlite+aiosqlite:///{Path(tmp) / 'bare.db'}",
                      f"sqlite+aiosqlite:///{Path(tmp) / 'complaints.db'}")]
        if pg:
            databases.append(("PostgreSQL", await fresh_database(pg),
                              await fresh_database(pg)))
        try:
            for label, bare_url, svc_url in databases:
                print(f"intake on {label}: {connections} connections, {seconds:.0f} s each "
                      "...", flush=True)
                base, intake = await _pair(broker.bootstrap, bare_url, svc_url, seconds,
                                           connections)
                rows += [_row(f"bare FastAPI + one INSERT, {label}", base, None),
                         _row(f"complaint intake, {label}", intake, base)]
        finally:
            if pg:
                for url in databases[-1][1:]:
                    await drop_database(pg, url)
    return rows


async def _pair(bootstrap: str, bare_url: str, svc_url: str, seconds: float,
                connections: int) -> tuple[LoadResult, LoadResult]:
    bare_port, svc_port = free_port(), free_port()
    env = os.environ | {"SUARA_KAFKA_BOOTSTRAP": bootstrap,
                        "SUARA_ENVIRONMENT": "development", "SUARA_LOG_LEVEL": "WARNING",
                        "SUARA_COMPLAINTS_PORT": str(svc_port),
                        "SUARA_COMPLAINTS_DATABASE_URL": svc_url}
    bare = _start([sys.executable, "-m", "benchmarks.bare_app", bare_url, str(bare_port)], env)
    svc = _start([sys.executable, "-m", "services.complaints", "serve"], env)
    try:
        _wait(f"http://127.0.0.1:{bare_port}/docs")
        _wait(f"http://127.0.0.1:{svc_port}/healthz")
        await _seed(f"http://127.0.0.1:{svc_port}")
        base = await run_load("127.0.0.1", bare_port, "/bare", body,
                              connections=connections, seconds=seconds)
        intake = await run_load("127.0.0.1", svc_port, "/v1/complaints", body,
                                connections=connections, seconds=seconds)
    finally:
        for proc in (bare, svc):
            proc.terminate()
            proc.wait(timeout=30)
    return base, intake


async def _seed(url: str) -> None:
    admin = {"Authorization": "Bearer " + mint_token(ServiceSettings(), subject="bench",
                                                     roles=[Role.ADMIN], agency_id=None)}
    async with httpx.AsyncClient(base_url=url) as client:
        (await client.post("/v1/agencies", json={"id": "bench", "name_id": "Bench",
                                                 "name_en": "Bench", "kind": "unit"},
                           headers=admin)).raise_for_status()
        (await client.post("/v1/categories", json={
            "code": "BENCH", "agency_id": "bench", "name_id": "Bench", "name_en": "Bench"},
            headers=admin)).raise_for_status()


def _row(label: str, r: LoadResult, base: LoadResult | None) -> tuple[str, str]:
    ratio = f"  ({r.rate / base.rate:.0%} of baseline)" if base else ""
    errors = f"  {r.errors} errors" if r.errors else ""
    return (label, f"{r.rate:7,.0f} req/s   p50 {r.percentile(50):6.1f} ms   "
                   f"p99 {r.percentile(99):6.1f} ms{ratio}{errors}")


if __name__ == "__main__":
    for label, value in asyncio.run(run()):
        print(f"{label:<40} {value}")
