"""The bus end to end, on SQLite and PostgreSQL, through the real local broker:
outbox → relay → Kafka → consumer → inbox + handler effect."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from sqlalchemy import func, select

from shared.broker import LocalBroker, ensure_topics
from shared.tables import outbox, processed_events
from shared.topics import Topic, dead_letter_topic, topic_name
from tests.integration import probe

pytestmark = pytest.mark.broker


async def unsent(runtime) -> int:
    async with runtime.engine.connect() as conn:
        stmt = select(func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None))
        return (await conn.execute(stmt)).scalar_one()


@pytest.fixture
async def topics(broker: LocalBroker, topic_prefix: str) -> str:
    names = [topic_name(Topic.COMPLAINTS, topic_prefix)]
    await ensure_topics(broker.bootstrap, names + [dead_letter_topic(n) for n in names])
    return names[0]


async def test_written_event_reaches_the_handler_once_in_order(broker, database_url,
                                                                topic_prefix, topics):
    settings = probe.make_settings(database_url=database_url, bootstrap=broker.bootstrap,
                                   prefix=topic_prefix)
    runtime = probe.make_runtime(settings)
    await runtime.start()
    try:
        written = await probe.write_events(runtime, ["c-1", "c-2", "c-3"], per_key=10)
        assert await probe.wait_for_effects(runtime, len(written)) == len(written)
        probe.assert_exactly_once_in_order(await probe.effect_rows(runtime), written)
        assert await unsent(runtime) == 0
        assert await runtime.readiness() == {}
    finally:
        await runtime.stop()


async def test_broker_stopped_during_writes_every_event_is_published_in_order(
        broker, database_url, topic_prefix, topics):
    """The relay's promise, across a real broker stop and start: every event written while
    the broker was down reaches it, in order per key. (Tansu keeps nothing across a restart,
    so the consumer side of an outage is tested with a frozen broker, below.)"""
    settings = probe.make_settings(database_url=database_url, bootstrap=broker.bootstrap,
                                   prefix=topic_prefix)
    runtime = probe.make_runtime(settings, consume=False)
    await runtime.start()
    keys = ["a", "b", "c", "d"]
    try:
        await probe.write_events(runtime, keys, per_key=3)
        await wait_all_sent(runtime)
        broker.stop()
        during = await probe.write_events(runtime, keys, per_key=10, start=3)
        await asyncio.sleep(1.5)
        assert await unsent(runtime) == len(during)  # accepted, waiting in the outbox
        assert "broker" in await runtime.readiness()

        broker.start()  # same port, empty: recreate the topics as `suara dev` does
        await ensure_topics(broker.bootstrap, [topics, dead_letter_topic(topics)])
        await wait_all_sent(runtime, timeout=60)
        assert await runtime.readiness() == {}
        published = await read_topic(broker.bootstrap, topics, expected=len(during))
        ids = [json.loads(m.value)["id"] for m in published]
        assert sorted(ids) == sorted(during)  # every one, once
        for key in keys:  # and in write order per key
            mine = [i for i in ids if i in during[keys.index(key)::len(keys)]]
            assert mine == during[keys.index(key)::len(keys)]
    finally:
        if not broker.running:
            broker.start()
        await runtime.stop()


async def test_broker_frozen_during_writes_every_effect_once_in_order(
        broker, database_url, topic_prefix, topics):
    """The whole pipeline across an outage in which the broker keeps its log and offsets (as
    Apache Kafka does across a restart): frozen with SIGSTOP while events are written, then
    resumed. Requests that timed out on the client may still complete after the resume, so
    duplicates reach the broker: the inbox must absorb them."""
    settings = probe.make_settings(database_url=database_url, bootstrap=broker.bootstrap,
                                   prefix=topic_prefix)
    runtime = probe.make_runtime(settings)
    await runtime.start()
    keys = ["a", "b", "c", "d"]
    try:
        written = await probe.write_events(runtime, keys, per_key=5)
        assert await probe.wait_for_effects(runtime, len(written)) == len(written)
        broker.pause()
        try:
            written += await probe.write_events(runtime, keys, per_key=10, start=5)
            await asyncio.sleep(4.0)  # longer than the request timeout: publishes fail
            assert await unsent(runtime) > 0
            assert "broker" in await runtime.readiness()
        finally:
            broker.resume()
        assert await probe.wait_for_effects(runtime, len(written), timeout=90) == len(written)
        await asyncio.sleep(1.0)  # would a late redelivery apply anything twice?
        probe.assert_exactly_once_in_order(await probe.effect_rows(runtime), written)
        assert await unsent(runtime) == 0
    finally:
        broker.resume()
        await runtime.stop()


async def wait_all_sent(runtime, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while await unsent(runtime) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    assert await unsent(runtime) == 0


async def test_poison_message_is_dead_lettered_and_the_rest_goes_on(broker, database_url,
                                                                   topic_prefix, topics):
    settings = probe.make_settings(database_url=database_url, bootstrap=broker.bootstrap,
                                   prefix=topic_prefix, consumer_max_attempts=3)
    runtime = probe.make_runtime(settings)
    await runtime.start()
    try:
        written = await probe.write_events(runtime, ["k"], per_key=2)
        async with runtime.unit_of_work() as uow:
            poison = uow.publish(probe.status_changed("k", 99, poison=True))
        # and a message that is not even an event, straight onto the topic
        producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, acks="all")
        await producer.start()
        try:
            await producer.send_and_wait(topics, b"{not json", key=b"k")
        finally:
            await producer.stop()
        written += await probe.write_events(runtime, ["k"], per_key=3, start=2)

        assert await probe.wait_for_effects(runtime, len(written)) == len(written)
        probe.assert_exactly_once_in_order(await probe.effect_rows(runtime), written)

        dead = await read_topic(broker.bootstrap, dead_letter_topic(topics), expected=2)
        by_value = {m.value: dict(m.headers) for m in dead}
        poison_headers = next(h for v, h in by_value.items() if v != b"{not json")
        assert json.loads(next(v for v in by_value if v != b"{not json"))["id"] == poison.id
        assert poison_headers["suara-dlq-attempts"] == b"3"
        assert b"PoisonError" in poison_headers["suara-dlq-error"]
        assert poison_headers["suara-dlq-consumer"].endswith(b"suara-probe.probe")
        assert by_value[b"{not json"]["suara-dlq-attempts"] == b"1"
        assert b"ValidationError" in by_value[b"{not json"]["suara-dlq-error"]
        # the poison event's failed attempts left no inbox row: it can be redriven later
        async with runtime.engine.connect() as conn:
            stmt = select(func.count()).select_from(processed_events).where(
                processed_events.c.event_id == poison.id)
            assert (await conn.execute(stmt)).scalar_one() == 0
    finally:
        await runtime.stop()


async def test_a_database_hiccup_mid_batch_redelivers_nothing_already_handled(
        broker, database_url, topic_prefix, topics):
    """A transient error (the database, not the message) makes the consumer reconnect; the
    offsets of what it handled before are committed first, so none of it comes back."""
    settings = probe.make_settings(database_url=database_url, bootstrap=broker.bootstrap,
                                   prefix=topic_prefix)
    writer = probe.make_runtime(settings, consume=False)
    await writer.start()
    try:
        written = await probe.write_events(writer, ["k"], per_key=5)
        async with writer.unit_of_work() as uow:
            written.append((uow.publish(probe.status_changed("k", 5, flaky=True))).id)
        written += await probe.write_events(writer, ["k"], per_key=4, start=6)
        await wait_all_sent(writer)  # one backlog: the consumer reads it as one batch
        consumer = probe.make_runtime(settings.model_copy(update={"relay_enabled": False}))
        await consumer.start()
        try:
            assert await probe.wait_for_effects(writer, len(written), 60) == len(written)
            await asyncio.sleep(1.0)
            probe.assert_exactly_once_in_order(await probe.effect_rows(writer), written)
            assert outcome(consumer, "duplicate") == 0, "handled messages were redelivered"
            assert outcome(consumer, "handled") == len(written)
        finally:
            await consumer.stop()
    finally:
        await writer.stop()


async def test_two_members_share_the_group_through_a_rebalance(broker, database_url,
                                                              topic_prefix, topics):
    settings = probe.make_settings(database_url=database_url, bootstrap=broker.bootstrap,
                                   prefix=topic_prefix, consumer_max_batch=20)
    first = probe.make_runtime(settings, handler_delay=0.03)
    second = probe.make_runtime(settings.model_copy(update={"relay_enabled": False}),
                                handler_delay=0.03)
    await first.start()
    try:
        written = await probe.write_events(first, [f"k{i}" for i in range(8)], per_key=40)
        await probe.wait_for_effects(first, len(written) // 10)
        await second.start()  # joins the group: partitions move while events are in flight
        try:
            assert await probe.wait_for_effects(first, len(written), 90) == len(written)
            await asyncio.sleep(1.0)
            probe.assert_exactly_once_in_order(await probe.effect_rows(first), written)
            assert handled(first) > 0 and handled(second) > 0, "no rebalance happened"
        finally:
            await second.stop()
    finally:
        await first.stop()


def outcome(runtime, name: str) -> float:
    return runtime.metrics.registry.get_sample_value(
        "suara_events_consumed_total",
        {"service": "probe", "consumer": "probe", "outcome": name}) or 0.0


def handled(runtime) -> float:
    return outcome(runtime, "handled")


async def read_topic(bootstrap: str, topic: str, expected: int, timeout: float = 20.0):
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap,
                                auto_offset_reset="earliest", enable_auto_commit=False,
                                fetch_max_wait_ms=50)
    await consumer.start()
    got = []
    deadline = time.monotonic() + timeout
    try:
        while len(got) < expected and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=300)
            for records in batch.values():
                got.extend(records)
    finally:
        await consumer.stop()
    assert len(got) == expected, f"{len(got)} messages on {topic}, expected {expected}"
    return got
