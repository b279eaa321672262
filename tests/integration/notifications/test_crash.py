"""The notifications service SIGKILLed in the middle of a burst of requests and restarted:
nothing lost, duplicates only within the documented window (messages the SMTP server accepted
whose record had not committed: at most one sender batch), each duplicate with the same
Message-ID. A real process, the real broker, SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from shared.broker import ensure_topics, free_port
from shared.events import new_event
from shared.events.notifications import NotificationRequested
from shared.topics import Topic, all_topic_names, topic_name

pytestmark = pytest.mark.broker
REPO = Path(__file__).resolve().parents[3]
BURST = 150
BATCH = 10


def start(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "services.notifications", "serve", "--port",
                             str(port)], cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


async def ready(port: int, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    async with httpx.AsyncClient() as client:
        while True:
            assert proc.poll() is None, "the service exited"
            try:
                if (await client.get(f"http://127.0.0.1:{port}/readyz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            assert loop.time() < deadline, "not ready"
            await asyncio.sleep(0.2)


async def test_sigkill_mid_burst_loses_nothing(broker, database_url, topic_prefix, smtp):
    async def slow(server, session, envelope, _inner=smtp.inbox.handle_DATA):
        await asyncio.sleep(0.01)  # a real server takes a while: the kill lands mid-burst
        return await _inner(server, session, envelope)

    smtp.inbox.handle_DATA = slow
    await ensure_topics(broker.bootstrap, all_topic_names(topic_prefix))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUARA_")} | {
        "PYTHONPATH": str(REPO), "SUARA_ENVIRONMENT": "test",
        "SUARA_NOTIFICATIONS_DATABASE_URL": database_url,
        "SUARA_KAFKA_BOOTSTRAP": broker.bootstrap, "SUARA_TOPIC_PREFIX": topic_prefix,
        "SUARA_KAFKA_SESSION_TIMEOUT_MS": "2000",
        "SUARA_NOTIFICATIONS_SMTP_PORT": str(smtp.port),
        "SUARA_NOTIFICATIONS_SENDER_BATCH": str(BATCH),
        "SUARA_NOTIFICATIONS_SENDER_LEASE_S": "3",
        "SUARA_NOTIFICATIONS_SMTP_CONNECTIONS": "2",
        "SUARA_NOTIFICATIONS_RATE_LIMIT_PER_HOUR": "100000"}
    proc = start(env, port)
    ids = [f"crash-{uuid.uuid4()}" for _ in range(BURST)]
    try:
        await ready(port, proc)
        producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, acks="all")
        await producer.start()
        try:
            topic = topic_name(Topic.NOTIFICATION_REQUESTS, topic_prefix)
            for i, nid in enumerate(ids):
                event = new_event(NotificationRequested(
                    notification_id=nid, channel="email", recipient=f"warga{i}@example.id",
                    audience="citizen", locale="id", template_name="complaint_filed",
                    template_variables={"tracking_code": f"SR-{i:06d}", "status": "submitted",
                                        "tracking_url": f"https://l.example/t/{i}"},
                    occurred_at=datetime.now(UTC)), source="/suara/complaints")
                await producer.send(topic, event.model_dump_json().encode(), key=nid.encode())
            await producer.flush()
        finally:
            await producer.stop()
        await smtp.inbox.wait_for(BURST // 4, timeout=60)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        at_kill = len(smtp.inbox.messages)
        assert at_kill < BURST, "the burst was over before the kill: make it slower"
        proc = start(env, port)
        await ready(port, proc)
        deadline = asyncio.get_running_loop().time() + 90
        while {m["X-Suara-Notification-Id"] for m in smtp.inbox.messages} != set(ids):
            assert asyncio.get_running_loop().time() < deadline, (
                f"{len({m['X-Suara-Notification-Id'] for m in smtp.inbox.messages})} of "
                f"{BURST} delivered")
            await asyncio.sleep(0.3)
        await asyncio.sleep(4)  # leases of the last batch: nothing more arrives
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    counts = Counter(m["Message-ID"] for m in smtp.inbox.messages)
    duplicates = sum(n - 1 for n in counts.values())
    assert duplicates <= BATCH, f"{duplicates} duplicates, more than one batch in flight"
    for m in smtp.inbox.messages:  # a duplicate carries the same Message-ID as the first
        assert m["Message-ID"] == f"<{m['X-Suara-Notification-Id']}@suara.localhost>"
