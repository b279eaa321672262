"""Bus benchmarks: outbox relay throughput vs raw aiokafka, produce -> handler latency.

Each figure is measured next to its baseline in the same run, against the same local broker.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from sqlalchemy import insert

from benchmarks.pg import drop_database, fresh_database
from services.kpi.migrations import VERSIONS
from shared import migrate
from shared.broker import LocalBroker, ensure_topics
from shared.consumer import Subscription
from shared.db import create_engine
from shared.events import CloudEvent, ComplaintStatusChanged
from shared.kafka import MAX_BATCH_BYTES, KafkaBus
from shared.metrics import ServiceMetrics
from shared.outbox import OutboxRelay
from shared.runtime import ServiceRuntime
from shared.settings import ServiceSettings
from shared.tables import outbox
from shared.topics import Topic

MESSAGE = b"x" * 1024


class BenchSettings(ServiceSettings):
    service: ClassVar[str] = "bench"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


async def raw_produce(bootstrap: str, topic: str, n: int) -> float:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=2,
                                max_batch_size=MAX_BATCH_BYTES)
    await producer.start()
    try:
        started = time.perf_counter()
        futures = [await producer.send(topic, MESSAGE, key=str(i % 64).encode())
                   for i in range(n)]
        await asyncio.gather(*futures)
        return n / (time.perf_counter() - started)
    finally:
        await producer.stop()


async def relay_throughput(database_url: str, bootstrap: str, prefix: str, n: int,
                           progress) -> float:
    settings = BenchSettings(database_url=database_url, kafka_bootstrap=bootstrap,
                             topic_prefix=prefix, environment="test")
    engine = create_engine(database_url)
    await migrate.upgrade(engine, VERSIONS)
    now = datetime.now(UTC)
    rows = [{"event_id": str(uuid.uuid4()), "topic": str(Topic.COMPLAINTS), "key": str(i % 64),
             "event_type": "bench.v1", "payload": MESSAGE, "created_at": now}
            for i in range(n)]
    async with engine.begin() as conn:
        for i in range(0, n, 5000):
            await conn.execute(insert(outbox), rows[i:i + 5000])
    bus = KafkaBus(settings)
    relay = OutboxRelay(engine=engine, bus=bus, settings=settings,
                        metrics=ServiceMetrics("bench"))
    await bus.producer()
    try:
        started = time.perf_counter()
        published = 0
        while published < n:
            result = await relay.run_once()
            assert not result.failed, "publish failed during the benchmark"
            published += result.published
            progress(published, n)
        return n / (time.perf_counter() - started)
    finally:
        await bus.close()
        await engine.dispose()


async def raw_latency(bootstrap: str, topic: str, n: int, rate: float,
                      fetch_wait_ms: int) -> list[float]:
    """aiokafka produce -> aiokafka consume, nothing in between (the floor)."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=f"raw-{topic}",
                                auto_offset_reset="latest", fetch_max_wait_ms=fetch_wait_ms)
    await consumer.start()
    while not consumer.assignment():
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    latencies: list[float] = []

    async def consume() -> None:
        while len(latencies) < n:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                now = time.time()
                latencies.extend(now - float(r.value.decode()) for r in records)

    task = asyncio.create_task(consume())
    try:
        for _ in range(n):
            await producer.send(topic, str(time.time()).encode())
            await asyncio.sleep(1 / rate)
        await asyncio.wait_for(task, 30)
    finally:
        await producer.stop()
        await consumer.stop()
    return latencies


async def bus_latency(database_url: str, bootstrap: str, prefix: str, n: int, rate: float,
                      fetch_wait_ms: int) -> list[float]:
    """Outbox write (commit) -> relay -> broker -> consumer -> handler, in one service."""
    latencies: list[float] = []

    async def handler(uow, event: CloudEvent) -> None:
        latencies.append(time.time() - event.time.timestamp())

    settings = BenchSettings(database_url=database_url, kafka_bootstrap=bootstrap,
                             topic_prefix=prefix, environment="test",
                             kafka_fetch_max_wait_ms=fetch_wait_ms)
    runtime = ServiceRuntime(settings, versions_dir=VERSIONS, subscriptions=[Subscription(
        name="bench", topics=(Topic.COMPLAINTS,),
        handlers={ComplaintStatusChanged.event_type: handler})])
    await runtime.start()
    try:
        while not all(c.connected for c in runtime.consumers):
            await asyncio.sleep(0.05)
        await asyncio.sleep(4.0)  # the group's first join and assignment
        warmup = len(latencies)
        for i in range(n):
            async with runtime.unit_of_work() as uow:
                uow.publish(ComplaintStatusChanged(
                    complaint_id=str(uuid.uuid4()), agency_id="agency-1",
                    category_code=f"C{i % 10}", occurred_at=datetime.now(UTC),
                    from_status="submitted", to_status="verified"))
            await asyncio.sleep(1 / rate)
        deadline = time.monotonic() + 30
        while len(latencies) < warmup + n and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        return latencies[warmup:]
    finally:
        await runtime.stop()


def _progress(label: str):
    """A progress line: rewritten in place on a terminal, one line per quarter otherwise."""
    tty = sys.stdout.isatty()
    last = [0.0, -1]

    def show(done: int, total: int) -> None:
        if tty and (time.monotonic() - last[0] > 0.3 or done == total):
            last[0] = time.monotonic()
            print(f"\r  {label}: {done}/{total}", end="" if done < total else "\n", flush=True)
        elif not tty and (quarter := 4 * done // total) > last[1]:
            last[1] = quarter
            print(f"  {label}: {done}/{total}", flush=True)

    return show


async def run(n: int = 30_000, latency_n: int = 1000, rate: float = 200.0,
              fetch_wait_ms: int = 50) -> list[tuple[str, str]]:
    results: list[tuple[str, str]] = []
    pg = os.environ.get("SUARA_BENCH_POSTGRES_URL") or os.environ.get("SUARA_TEST_POSTGRES_URL")
    with LocalBroker() as broker, tempfile.TemporaryDirectory() as tmp:
        prefix = f"bench{uuid.uuid4().hex[:6]}."
        topic = f"{prefix}{Topic.COMPLAINTS}"
        await ensure_topics(broker.bootstrap, [topic, f"{prefix}raw-latency"])
        print(f"raw aiokafka produce, {n} x 1 KB, acks=all ...", flush=True)
        raw = await raw_produce(broker.bootstrap, topic, n)
        results.append(("raw aiokafka produce (1 KB, acks=all)", f"{raw:,.0f} msg/s"))

        sqlite_url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        relay = await relay_throughput(sqlite_url, broker.bootstrap, prefix, n,
                                       _progress("outbox relay, SQLite"))
        results.append(("outbox relay, SQLite", f"{relay:,.0f} msg/s  "
                        f"({relay / raw:.0%} of raw)"))
        if pg:
            pg_url = await fresh_database(pg)
            try:
                relay_pg = await relay_throughput(pg_url, broker.bootstrap, prefix, n,
                                                  _progress("outbox relay, PostgreSQL"))
            finally:
                await drop_database(pg, pg_url)
            results.append(("outbox relay, PostgreSQL", f"{relay_pg:,.0f} msg/s  "
                            f"({relay_pg / raw:.0%} of raw)"))

        print(f"latency at {rate:.0f} events/s, fetch_max_wait_ms={fetch_wait_ms} ...",
              flush=True)
        floor = await raw_latency(broker.bootstrap, f"{prefix}raw-latency", latency_n, rate,
                                  fetch_wait_ms)
        latency_prefix = f"lat{uuid.uuid4().hex[:6]}."
        await ensure_topics(broker.bootstrap, [f"{latency_prefix}{Topic.COMPLAINTS}"])
        bus = await bus_latency(sqlite_url.replace("bench.db", "latency.db"), broker.bootstrap,
                                latency_prefix, latency_n, rate, fetch_wait_ms)
        for label, values in (("raw produce -> consume", floor),
                              ("outbox commit -> handler, SQLite", bus)):
            ms = [v * 1000 for v in values]
            results.append((f"latency {label}",
                            f"p50 {statistics.median(ms):6.1f} ms   "
                            f"p99 {percentile(ms, 99):6.1f} ms   (n={len(ms)})"))
    return results
