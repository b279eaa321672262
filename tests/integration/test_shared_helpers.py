"""shared.upsert, shared.testing and shared.deps, on both databases."""

from __future__ import annotations

from typing import Annotated

import httpx
import pytest
from fastapi import Depends, FastAPI
from sqlalchemy import Column, Integer, MetaData, String, Table, select

from shared.consumer import Subscription
from shared.deps import provide, register
from shared.tables import outbox
from shared.testing import Deliverer
from shared.topics import Topic
from shared.uow import UnitOfWork
from shared.upsert import on_conflict
from tests.integration import probe

tally = Table("probe_tally", MetaData(),
              Column("k", String(10), primary_key=True),
              Column("n", Integer, nullable=False),
              Column("label", String(10), nullable=False))


@pytest.fixture
async def tally_engine(engine):
    async with engine.begin() as conn:
        await conn.run_sync(tally.metadata.create_all)
    return engine


async def test_on_conflict_ignores_updates_and_increments(tally_engine):
    async with tally_engine.begin() as conn:
        ignore = on_conflict(conn, tally, key=("k",))
        assert (await conn.execute(ignore, {"k": "a", "n": 1, "label": "x"})).rowcount == 1
        assert (await conn.execute(ignore, {"k": "a", "n": 5, "label": "y"})).rowcount == 0
        add = on_conflict(conn, tally, key=("k",), increment=("n",), update=("label",))
        await conn.execute(add, [{"k": "a", "n": 2, "label": "z"},
                                 {"k": "b", "n": 3, "label": "w"}])
        rows = (await conn.execute(select(tally).order_by(tally.c.k))).all()
    assert [tuple(r) for r in rows] == [("a", 3, "z"), ("b", 3, "w")]
    assert on_conflict(conn, tally, key=("k",)) is ignore  # built once, then reused


def test_on_conflict_refuses_a_column_both_updated_and_incremented():
    class Conn:
        class dialect:
            name = "sqlite"

    with pytest.raises(ValueError, match="both updated and incremented"):
        on_conflict(Conn(), tally, key=("k",), update=("n",), increment=("n",))  # type: ignore[arg-type]


async def test_deliverer_runs_the_handler_once_in_the_inbox_transaction(engine):
    seen: list[str] = []

    async def handler(uow: UnitOfWork, event) -> None:
        seen.append(event.id)
        uow.publish(probe.status_changed(event.data.complaint_id, 2))

    sub = Subscription(name="probe", topics=(Topic.COMPLAINTS,),
                       handlers={probe.EVENT_TYPE: handler})
    deliver = Deliverer(engine, sub)
    first = await deliver(probe.status_changed("c-1", 1))
    assert first.outcome == "handled" and len(first.published) == 1
    again = await deliver(first.published[0].model_copy(update={"id": seen[0]}))
    assert again.outcome == "duplicate" and again.published == ()
    assert len(seen) == 1
    async with engine.connect() as conn:
        types = (await conn.execute(select(outbox.c.event_type))).scalars().all()
    assert types == [probe.EVENT_TYPE]  # the handler's event, committed with the claim

    with pytest.raises(LookupError):
        await Deliverer(engine, Subscription("none", (Topic.COMPLAINTS,), {}))(
            probe.status_changed("c-2", 1))


async def test_a_failing_handler_leaves_no_claim(engine):
    calls = 0

    async def handler(uow: UnitOfWork, event) -> None:
        nonlocal calls
        calls += 1
        uow.publish(probe.status_changed("c-9", 2))
        if calls == 1:
            raise RuntimeError("boom")

    deliver = Deliverer(engine, Subscription("probe", (Topic.COMPLAINTS,),
                                             {probe.EVENT_TYPE: handler}))
    event = probe.status_changed("c-9", 1)
    with pytest.raises(RuntimeError):
        await deliver(event)
    from shared.events import new_event
    envelope = new_event(event, source="/suara/tests", event_id="fixed-id")
    with pytest.raises(RuntimeError):
        calls = 0
        await deliver(envelope)
    assert (await deliver(envelope)).outcome == "handled"  # the failed try left no claim
    async with engine.connect() as conn:
        assert len((await conn.execute(select(outbox.c.id))).all()) == 1


class Greeter:
    def greet(self) -> str:
        return "halo"


async def test_provide_returns_the_registered_object_by_type():
    app = FastAPI()

    @app.get("/hi")
    async def hi(g: Annotated[Greeter, Depends(provide(Greeter))]) -> dict[str, str]:
        return {"said": g.greet()}

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as c:
        with pytest.raises(RuntimeError, match="no Greeter registered"):
            await c.get("/hi")
        register(app, Greeter())
        assert (await c.get("/hi")).json() == {"said": "halo"}
