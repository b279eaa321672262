"""Group commit on real databases: concurrent insert-only units of work share transactions,
yet each caller sees only its own outcome, and nothing half-written is ever stored."""

from __future__ import annotations

import asyncio
import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError, IntegrityError

from shared.broker import free_port
from shared.db import create_engine
from shared.group_commit import GroupCommit
from shared.metrics import ServiceMetrics
from shared.tables import outbox
from shared.uow import UnitOfWork
from tests.integration import probe


async def unit(n: int, *, row_id: int | None = None) -> UnitOfWork:
    """One probe row (primary key ``row_id``, default ``n``) and one event keyed ``c<n>``."""
    uow = UnitOfWork(None, "/test")
    uow.insert(probe.effects, [{"id": row_id or n, "event_id": f"e{n}",
                                "complaint_id": f"c{n}", "seq": n}])
    uow.publish(probe.status_changed(f"c{n}", n))
    return uow


async def stored(engine) -> tuple[list[int], list[str]]:
    async with engine.connect() as conn:
        seqs = (await conn.execute(select(probe.effects.c.seq)
                                   .order_by(probe.effects.c.seq))).scalars().all()
        keys = (await conn.execute(select(outbox.c.key).order_by(outbox.c.id))).scalars().all()
    return list(seqs), list(keys)


def transactions(metrics: ServiceMetrics) -> tuple[float, float]:
    """(transactions written, units in them), from the service's own metric."""
    get = metrics.registry.get_sample_value
    labels = {"service": "probe"}
    return (get("suara_group_commit_units_count", labels),
            get("suara_group_commit_units_sum", labels))


async def test_concurrent_units_share_transactions_and_keep_their_order(engine):
    metrics = ServiceMetrics("probe")
    committed: list[int] = []
    group = GroupCommit(engine, metrics=metrics, after_commit=lambda: committed.append(1))
    units = [await unit(n) for n in range(1, 41)]
    await asyncio.gather(*(group.commit(u) for u in units))
    seqs, keys = await stored(engine)
    assert seqs == list(range(1, 41))
    assert keys == [f"c{n}" for n in range(1, 41)]  # the outbox keeps the callers' order
    count, total = transactions(metrics)
    assert total == 40 and count < 10, (count, total)  # forty callers, a few transactions
    assert len(committed) == count  # the relay is woken after each commit


async def test_a_caller_alone_is_written_at_once(engine):
    metrics = ServiceMetrics("probe")
    group = GroupCommit(engine, metrics=metrics)
    for n in (1, 2, 3):
        await group.commit(await unit(n))
        assert (await stored(engine))[0] == list(range(1, n + 1))
    assert transactions(metrics) == (3, 3)


async def test_a_unit_that_breaks_a_constraint_fails_alone(engine):
    group = GroupCommit(engine)
    units = [await unit(n, row_id=3 if n == 7 else None) for n in range(1, 11)]
    results = await asyncio.gather(*(group.commit(u) for u in units), return_exceptions=True)
    failed = [n for n, r in zip(range(1, 11), results, strict=True) if r is not None]
    assert failed == [7], results
    assert isinstance(results[6], IntegrityError)
    seqs, keys = await stored(engine)
    assert seqs == [n for n in range(1, 11) if n != 7]
    assert keys == [f"c{n}" for n in range(1, 11) if n != 7]  # its event went with it


async def test_a_request_cancelled_before_its_batch_began_stores_nothing(engine):
    group = GroupCommit(engine)
    first = asyncio.create_task(group.commit(await unit(1)))
    second = asyncio.create_task(group.commit(await unit(2)))
    await asyncio.sleep(0)  # both queued; the writer has not started yet
    second.cancel()
    await first
    with pytest.raises(asyncio.CancelledError):
        await second
    assert await stored(engine) == ([1], ["c1"])


async def test_an_unreachable_database_fails_every_caller_without_retrying_each(
        database_url, tmp_path, monkeypatch):
    if database_url.startswith("sqlite"):
        tmp_path.joinpath("db-is-a-folder").mkdir()
        url = f"sqlite+aiosqlite:///{tmp_path / 'db-is-a-folder'}"
    else:
        url = f"postgresql+asyncpg://nobody@127.0.0.1:{free_port()}/nowhere"
    engine = create_engine(url)
    alone: list[UnitOfWork] = []
    original = GroupCommit._write_alone

    async def spy(self, waiting):
        alone.append(waiting[0])
        await original(self, waiting)

    monkeypatch.setattr(GroupCommit, "_write_alone", spy)
    try:
        group = GroupCommit(engine)
        units = [await unit(n) for n in range(1, 6)]
        results = await asyncio.gather(*(group.commit(u) for u in units),
                                       return_exceptions=True)
    finally:
        await engine.dispose()
    assert all(isinstance(r, DBAPIError | OSError) for r in results), results
    assert alone == []  # the database failed, not a unit: no unit-by-unit retry


async def test_close_waits_for_the_batch_in_hand(engine):
    group = GroupCommit(engine)
    tasks = [asyncio.create_task(group.commit(await unit(n))) for n in range(1, 6)]
    await asyncio.sleep(0)
    await group.close()
    assert all(t.done() and t.exception() is None for t in tasks)
    assert (await stored(engine))[0] == [1, 2, 3, 4, 5]


async def test_a_unit_of_work_with_a_connection_is_refused(engine):
    async with engine.connect() as conn:
        with pytest.raises(ValueError, match="no connection"):
            await GroupCommit(engine).commit(UnitOfWork(conn, "/test"))


async def test_an_ordinary_unit_of_work_writes_its_queued_rows_before_its_commit(
        engine, database_url):
    from shared.uow import unit_of_work

    reader = create_engine(database_url)
    try:
        async with unit_of_work(engine, "/test") as uow:
            uow.insert(probe.effects, [{"id": n, "event_id": f"e{n}", "complaint_id": "c",
                                        "seq": n} for n in (1, 2)])
            uow.publish(probe.status_changed("c", 1))
            async with reader.connect() as other:  # nothing is visible before the commit
                n = (await other.execute(select(func.count()).select_from(probe.effects)))
                assert n.scalar_one() == 0
    finally:
        await reader.dispose()
    seqs, keys = await stored(engine)
    assert (seqs, keys) == ([1, 2], ["c"])
    async with engine.connect() as conn:
        payload = (await conn.execute(select(outbox.c.payload))).scalar_one()
    assert json.loads(payload)["subject"] == "c"
