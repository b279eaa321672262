"""Through the real broker: events published to the topics, consumed by the projection's
consumer group, visible in the public API; redelivered messages count once."""

from __future__ import annotations

import asyncio
import time

import pytest
from aiokafka import AIOKafkaProducer

from shared.broker import ensure_topics
from shared.topics import all_topic_names, topic_name
from tests.integration.kpi.conftest import serve
from tests.integration.kpi.factory import Complaint, at, skm_response

pytestmark = [pytest.mark.asyncio, pytest.mark.broker]


async def publish(bootstrap: str, prefix: str, events) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for e in events:
            await producer.send_and_wait(topic_name(e.data.topic, prefix),
                                         value=e.model_dump_json().encode(),
                                         key=e.subject.encode())
    finally:
        await producer.stop()


async def wait_for(kpi, agency: str, period: str, code: str, value, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while True:
        r = await kpi.client.get(f"/v1/public/agencies/{agency}/indicators",
                                 params={"period": period})
        got = None
        if r.status_code == 200:
            got = {i["code"]: i["value"] for i in r.json()["indicators"]}[code]
        if got == value or time.monotonic() > deadline:
            return got
        await asyncio.sleep(0.2)


async def test_events_through_the_broker(broker, kpi_settings, topic_prefix):
    await ensure_topics(broker.bootstrap, all_topic_names(topic_prefix))
    c1 = (Complaint("dinas-pu").file(at("2026-10-05 09:00")).verify(at("2026-10-05 10:00"))
          .respond(at("2026-10-06 09:00")).resolve(at("2026-10-07 09:00")))
    c2 = Complaint("dinas-pu").file(at("2026-10-06 09:00"))
    response = skm_response("dinas-pu", "unit-1", "2026-10", at("2026-10-06 10:00"),
                            {f"U{i}": 4 for i in range(1, 10)})
    events = [*c1.events, *c2.events, response]
    redelivered = c1.events[:2]
    last = c1.rate(at("2026-10-08 09:00"), 5).events[-1]  # after the redelivered ones
    async for kpi in serve(kpi_settings(), consume=True):
        await publish(broker.bootstrap, topic_prefix, [*events, *redelivered, last])
        assert await wait_for(kpi, "dinas-pu", "2026-10", "skm_respondents", 1) == 1
        # the partitions are consumed concurrently: c1's last event in says that the ones before
        # it in c1's partition (its resolution, the redelivered) are in, not that c2's filing is
        assert await wait_for(kpi, "dinas-pu", "2026-10", "rating_count", 1) == 1
        assert await wait_for(kpi, "dinas-pu", "2026-10", "filed", 2) == 2
        got = await kpi.indicators("dinas-pu", "2026-10")
        assert got["resolved"]["value"] == 1
        assert got["ikm"]["value"] == 100.0
        assert got["verified"]["value"] == 1
