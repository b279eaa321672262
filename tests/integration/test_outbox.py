"""Outbox ordering rules, on real databases, with a fake producer where the broker's
behaviour must be controlled (a publish that fails in the middle of a batch)."""

from __future__ import annotations

import asyncio
import json

import pytest
from sqlalchemy import select

from shared.metrics import ServiceMetrics
from shared.outbox import OutboxRelay, _claim
from shared.tables import outbox
from shared.uow import unit_of_work
from tests.integration import probe


class FakeProducer:
    """Records sends in order; fails the sends whose key is in ``fail_keys``."""

    def __init__(self, fail_keys: set[str] = frozenset()) -> None:
        self.sent: list[tuple[str, str]] = []
        self.fail_keys = fail_keys

    async def send(self, topic: str, value: bytes, key: bytes, headers) -> asyncio.Future:
        fut: asyncio.Future = asyncio.get_running_loop().create_future()
        if key.decode() in self.fail_keys:
            fut.set_exception(TimeoutError("no ack"))
        else:
            self.sent.append((key.decode(), value.decode()))
            fut.set_result(None)
        return fut


class FakeBus:
    def __init__(self, producer: FakeProducer) -> None:
        self._producer = producer

    async def producer(self) -> FakeProducer:
        return self._producer

    def topic(self, logical: str) -> str:
        return logical

    def mark_ok(self) -> None: ...

    def mark_failed(self, exc: BaseException) -> None: ...


async def write(engine, keys: list[str]) -> list[str]:
    ids = []
    for seq, key in enumerate(keys):
        async with unit_of_work(engine, "/test") as uow:
            event = uow.publish(probe.status_changed(key, seq))
            ids.append(event.id)
    return ids


async def rows(engine) -> list:
    async with engine.connect() as conn:
        return (await conn.execute(select(outbox).order_by(outbox.c.id))).all()


def relay_for(engine, producer: FakeProducer, batch: int = 100) -> OutboxRelay:
    settings = probe.make_settings(database_url=str(engine.url), bootstrap="unused:1",
                                   prefix="", relay_batch_size=batch)
    return OutboxRelay(engine=engine, bus=FakeBus(producer), settings=settings,
                       metrics=ServiceMetrics("probe"))


async def test_relay_publishes_in_write_order_and_marks_only_acknowledged_rows(engine):
    ids = await write(engine, ["x", "y", "x", "z", "y", "x"])
    producer = FakeProducer(fail_keys={"y"})
    result = await relay_for(engine, producer).run_once()
    assert (result.published, result.failed) == (4, 2)
    assert [k for k, _ in producer.sent] == ["x", "x", "z", "x"]
    sent_ids = [json.loads(v)["id"] for _, v in producer.sent]
    assert sent_ids == [ids[i] for i in (0, 2, 3, 5)]  # write order, the y rows left out
    stored = await rows(engine)
    unsent = [r for r in stored if r.sent_at is None]
    assert {r.key for r in unsent} == {"y"}
    assert all(r.attempts == 1 and "no ack" in r.last_error for r in unsent)

    producer.fail_keys = set()  # the broker is back: only the two y rows go, in order
    producer.sent.clear()
    result = await relay_for(engine, producer).run_once()
    assert (result.published, result.failed) == (2, 0)
    assert [k for k, _ in producer.sent] == ["y", "y"]
    assert all(r.sent_at is not None for r in await rows(engine))


async def test_relay_pass_reports_a_full_batch_and_the_backlog(engine):
    await write(engine, ["k"] * 5)
    relay = relay_for(engine, FakeProducer(), batch=2)

    def backlog() -> float:
        return relay._metrics.registry.get_sample_value("suara_outbox_unsent",
                                                        {"service": "probe"})

    assert (await relay.run_once()).full
    assert backlog() == 3
    assert (await relay.run_once()).full
    assert backlog() == 1
    last = await relay.run_once()
    assert (last.published, last.full) == (1, False)
    assert backlog() == 0
    await write(engine, ["x", "y"])
    failing = relay_for(engine, FakeProducer(fail_keys={"y"}), batch=10)
    await failing.run_once()
    assert failing._metrics.registry.get_sample_value("suara_outbox_unsent",
                                                      {"service": "probe"}) == 1


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_replicas_never_take_the_same_row_nor_a_key_out_of_order(engine):
    await write(engine, ["x", "x", "y", "x", "y", "z"])  # ids 1..6
    async with engine.connect() as first, engine.connect() as second:
        await first.begin()
        mine = await _claim(first, limit=2)  # x1, x2, locked until `first` ends
        await second.begin()
        theirs = await _claim(second, limit=10)  # skips the locked rows and x's later row
        assert [r.key for r in mine] == ["x", "x"]
        assert [r.key for r in theirs] == ["y", "y", "z"]
        assert not {r.id for r in mine} & {r.id for r in theirs}
        await first.rollback()
        await second.rollback()
