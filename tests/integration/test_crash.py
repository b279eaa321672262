"""A consumer process killed (SIGKILL) in the middle of a batch and restarted applies nothing
twice; one stopped with SIGTERM commits what it handled and exits cleanly."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from sqlalchemy import func, select

from shared.broker import ensure_topics
from shared.tables import outbox
from shared.topics import Topic, dead_letter_topic, topic_name
from tests.integration import probe

pytestmark = pytest.mark.broker
REPO = Path(__file__).resolve().parents[2]


def start_worker(database_url: str, bootstrap: str, prefix: str,
                 delay: float) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.integration.probe_worker", database_url, bootstrap,
         prefix, str(delay)],
        cwd=REPO, stdout=subprocess.PIPE, text=True, env=os.environ | {"PYTHONPATH": str(REPO)},
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    assert line == "ready", f"worker did not start: {line!r}"
    return proc


async def committed(bootstrap: str, group: str, topic: str) -> int:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group,
                                enable_auto_commit=False)
    await consumer.start()
    try:
        offsets = [await consumer.committed(TopicPartition(topic, p)) for p in range(3)]
    finally:
        await consumer.stop()
    return sum(o or 0 for o in offsets)


async def test_consumer_killed_mid_batch_applies_nothing_twice(broker, database_url,
                                                               topic_prefix):
    topic = topic_name(Topic.COMPLAINTS, topic_prefix)
    await ensure_topics(broker.bootstrap, [topic, dead_letter_topic(topic)])
    settings = probe.make_settings(database_url=database_url, bootstrap=broker.bootstrap,
                                   prefix=topic_prefix)
    writer = probe.make_runtime(settings, consume=False)  # the relay only
    await writer.start()
    group = f"{settings.consumer_group}.probe"
    try:
        written = await probe.write_events(writer, ["a", "b", "c", "d"], per_key=50)
        for _ in range(100):
            async with writer.engine.connect() as conn:
                left = (await conn.execute(select(func.count()).select_from(outbox)
                                           .where(outbox.c.sent_at.is_(None)))).scalar_one()
            if not left:
                break
            await asyncio.sleep(0.1)
        assert left == 0

        # a slow handler: the whole backlog is one batch, its offsets committed at its end
        worker = start_worker(database_url, broker.bootstrap, topic_prefix, delay=0.02)
        try:
            got = await probe.wait_for_effects(writer, 40, timeout=60)
            assert 40 <= got < len(written), f"{got} effects: not killed mid-batch"
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait()
        applied = await probe.wait_for_effects(writer, 0)
        # the effects are committed in the database but not their offsets: redelivery is due
        assert await committed(broker.bootstrap, group, topic) < applied

        worker = start_worker(database_url, broker.bootstrap, topic_prefix, delay=0.0)
        try:
            assert await probe.wait_for_effects(writer, len(written), 90) == len(written)
            await asyncio.sleep(1.0)
            probe.assert_exactly_once_in_order(await probe.effect_rows(writer), written)
        finally:
            worker.send_signal(signal.SIGTERM)
            out, _ = worker.communicate(timeout=30)
        assert worker.returncode == 0
        assert out.strip().endswith("stopped")
        # a clean stop committed everything it handled
        assert await committed(broker.bootstrap, group, topic) == len(written)
    finally:
        await writer.stop()
