"""Complaint intake over real HTTP against a bare FastAPI insert on the same database.

Both run as uvicorn processes (one worker, uvloop, httptools) on the same database engine
(SQLite files in one temporary folder, then PostgreSQL when a URL is given); the complaints
service also writes its audit and outbox rows and relays its events to the local broker, as it
does in production. Same load (32 connections, closed loop), same run.

This machine is noisy (two cores shared with the load generator), so each endpoint is warmed
up, then measured in several short rounds that alternate bare / intake / intake with an
Idempotency-Key / intake with group commit off (a second service process with
SUARA_COMPLAINTS_GROUP_COMMIT_MAX_UNITS=1); the figures are the medians, and the ratio's range
over the rounds is shown. Each row also gives the CPU time the server process spent per
request (from /proc, user + system, the relay's publishing included): unlike the rate, it
hardly moves when other processes compete for the cores, so it is the figure to compare
between two versions of the service measured on a busy machine.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
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


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of process ``pid`` so far (None where /proc is missing)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Measured:
    """One round of load, and the server's CPU time spent during it."""

    load: LoadResult
    cpu_s: float | None

    @property
    def rate(self) -> float:
        return self.load.rate

    @property
    def cpu_per_request_us(self) -> float | None:
        if self.cpu_s is None or not self.load.requests:
            return None
        return self.cpu_s / self.load.requests * 1e6


async def _measure(pid: int, port: int, path: str,
                   headers: Callable[[int], dict[str, str]] | None, connections: int,
                   seconds: float) -> Measured:
    before = cpu_seconds(pid)
    load = await run_load("127.0.0.1", port, path, body, headers=headers,
                          connections=connections, seconds=seconds)
    await asyncio.sleep(0.3)  # the relay publishes what the round filed
    after = cpu_seconds(pid)
    return Measured(load, None if before is None or after is None else after - before)


def idempotency_key(_: int) -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


async def run(seconds: float = 4.0, connections: int = 32,
              rounds: int = 3) -> list[tuple[str, str]]:
    rows = []
    pg = os.environ.get("SUARA_BENCH_POSTGRES_URL") or os.environ.get("SUARA_TEST_POSTGRES_URL")
    with LocalBroker() as broker, tempfile.TemporaryDirectory() as tmp:
        await ensure_topics(broker.bootstrap, all_topic_names())
        databases = [("SQLite", *(f"sqlite+aiosqlite:///{Path(tmp) / name}.db"
                                  for name in ("bare", "complaints", "alone")))]
        if pg:
            databases.append(("PostgreSQL", *[await fresh_database(pg) for _ in range(3)]))
        try:
            for label, *urls in databases:
                print(f"intake on {label}: {connections} connections, {rounds} rounds of "
                      f"{seconds:.0f} s each ...", flush=True)
                base, intake, keyed, alone = await _compare(broker.bootstrap, urls, seconds,
                                                            connections, rounds)
                rows += [_row(f"bare FastAPI + one INSERT, {label}", base, None),
                         _row(f"complaint intake, {label}", intake, base),
                         _row(f"  with an Idempotency-Key, {label}", keyed, base),
                         _row(f"  without group commit, {label}", alone, base)]
        finally:
            if pg:
                for url in databases[-1][1:]:
                    await drop_database(pg, url)
    return rows


async def _compare(bootstrap: str, urls: list[str], seconds: float, connections: int,
                   rounds: int) -> tuple[list[Measured], ...]:
    """The bare app, the complaints service, and the service writing each filing in its own
    transaction (group commit off), each on its own database, loaded in turn."""
    bare_url, svc_url, alone_url = urls
    bare_port, svc_port, alone_port = free_port(), free_port(), free_port()
    env = os.environ | {"SUARA_KAFKA_BOOTSTRAP": bootstrap,
                        "SUARA_ENVIRONMENT": "development", "SUARA_LOG_LEVEL": "WARNING",
                        # one load generator on one address: limits counted (their cost is
                        # measured) but never reached
                        "SUARA_RATE_LIMITS": '{"public_write": "1000000000/second", '
                                             '"filing": "1000000000/second"}'}
    procs = [
        _start([sys.executable, "-m", "benchmarks.bare_app", bare_url, str(bare_port)], env),
        _start([sys.executable, "-m", "services.complaints", "serve"],
               env | {"SUARA_COMPLAINTS_PORT": str(svc_port),
                      "SUARA_COMPLAINTS_DATABASE_URL": svc_url}),
        _start([sys.executable, "-m", "services.complaints", "serve"],
               env | {"SUARA_COMPLAINTS_PORT": str(alone_port),
                      "SUARA_COMPLAINTS_DATABASE_URL": alone_url,
                      "SUARA_COMPLAINTS_GROUP_COMMIT_MAX_UNITS": "1"})]
    try:
        _wait(f"http://127.0.0.1:{bare_port}/docs")
        for port in (svc_port, alone_port):
            _wait(f"http://127.0.0.1:{port}/healthz")
            await _seed(f"http://127.0.0.1:{port}")
        bare, svc, alone = (p.pid for p in procs)
        loads = [(bare, bare_port, "/bare", None), (svc, svc_port, "/v1/complaints", None),
                 (svc, svc_port, "/v1/complaints", idempotency_key),
                 (alone, alone_port, "/v1/complaints", None)]
        results: list[list[Measured]] = [[] for _ in loads]
        for _, port, path, _ in (loads[0], loads[1], loads[3]):  # warm-up: caches, statements
            await run_load("127.0.0.1", port, path, body, connections=connections, seconds=1.5)
        for _ in range(rounds):
            for i, (pid, port, path, headers) in enumerate(loads):
                results[i].append(await _measure(pid, port, path, headers, connections,
                                                 seconds))
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=30)
    return tuple(results)


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


def _row(label: str, runs: list[Measured],
         base: list[Measured] | None) -> tuple[str, str]:
    """Medians over the rounds; the ratio is the median rate over the baseline's, with the
    range of the round-by-round ratios; then the server's median CPU time per request."""
    rate = statistics.median(r.rate for r in runs)
    p50 = statistics.median(r.load.percentile(50) for r in runs)
    p99 = statistics.median(r.load.percentile(99) for r in runs)
    ratio = ""
    if base:
        each = [r.rate / b.rate for r, b in zip(runs, base, strict=True)]
        ratio = (f"  ({rate / statistics.median(b.rate for b in base):.0%} of baseline, "
                 f"rounds {min(each):.0%}-{max(each):.0%})")
    cpu = [c for r in runs if (c := r.cpu_per_request_us) is not None]
    cpu_text = f"   CPU {statistics.median(cpu):5.0f} µs/req" if cpu else ""
    errors = sum(r.load.errors for r in runs)
    errors_text = f"  {errors} errors" if errors else ""
    return (label, f"{rate:7,.0f} req/s   p50 {p50:6.1f} ms   p99 {p99:6.1f} ms"
                   f"{cpu_text}{ratio}{errors_text}")


if __name__ == "__main__":
    for label, value in asyncio.run(run()):
        print(f"{label:<40} {value}")
