"""A probe service for the bus tests: a real ``ServiceRuntime`` whose handler records effects.

Events are ``complaint.status_changed.v1`` with a per-complaint sequence number carried in
``category_code`` (``SEQ-<n>``); category ``POISON`` makes the handler fail every time.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select
from sqlalchemy.exc import OperationalError

from shared.consumer import Subscription
from shared.events import CloudEvent, ComplaintStatusChanged
from shared.runtime import ServiceRuntime
from shared.settings import ServiceSettings
from shared.topics import Topic
from shared.uow import UnitOfWork

VERSIONS = Path(__file__).parent / "probe_migrations"
EVENT_TYPE = ComplaintStatusChanged.event_type

effects = Table(
    "probe_effects", MetaData(),
    Column("id", Integer, primary_key=True),
    Column("event_id", String(64)),
    Column("complaint_id", String(64)),
    Column("seq", Integer),
)


class ProbeSettings(ServiceSettings):
    service: ClassVar[str] = "probe"


class PoisonError(RuntimeError):
    pass


flaked: set[str] = set()


def make_settings(*, database_url: str, bootstrap: str, prefix: str, **extra) -> ProbeSettings:
    base = dict(database_url=database_url, kafka_bootstrap=bootstrap, topic_prefix=prefix,
                environment="test", relay_poll_interval_s=0.2, relay_max_backoff_s=1.0,
                consumer_retry_backoff_s=0.01, consumer_max_attempts=3,
                kafka_request_timeout_ms=3000, kafka_session_timeout_ms=3000)
    return ProbeSettings(**(base | extra))


def make_runtime(settings: ProbeSettings, *, handler_delay: float = 0.0,
                 consume: bool = True) -> ServiceRuntime:
    async def record(uow: UnitOfWork, event: CloudEvent) -> None:
        data = event.data
        if data.category_code == "POISON":
            raise PoisonError("this event always fails")
        if data.category_code.startswith("FLAKY-") and event.id not in flaked:
            flaked.add(event.id)  # the database fails once, as an outage would
            raise OperationalError("INSERT", {}, Exception("database is locked"))
        await uow.conn.execute(insert(effects).values(
            event_id=event.id, complaint_id=data.complaint_id,
            seq=int(data.category_code.split("-")[1])))
        if handler_delay:
            await asyncio.sleep(handler_delay)

    subs = [Subscription(name="probe", topics=(Topic.COMPLAINTS,),
                         handlers={EVENT_TYPE: record})] if consume else []
    return ServiceRuntime(settings, versions_dir=VERSIONS, subscriptions=subs)


def status_changed(complaint_id: str, seq: int, *, poison: bool = False,
                   flaky: bool = False) -> ComplaintStatusChanged:
    code = "POISON" if poison else f"FLAKY-{seq}" if flaky else f"SEQ-{seq}"
    return ComplaintStatusChanged(
        complaint_id=complaint_id, agency_id=str(uuid.UUID(int=1)), category_code=code,
        occurred_at=datetime.now(UTC), from_status="submitted", to_status="verified",
    )


async def write_events(runtime: ServiceRuntime, keys: Iterable[str], per_key: int,
                       start: int = 0) -> list[str]:
    """One transaction per event, interleaving keys; returns the event ids in write order."""
    ids = []
    for seq in range(start, start + per_key):
        for key in keys:
            async with runtime.unit_of_work() as uow:
                event = uow.publish(status_changed(key, seq))
            ids.append(event.id)
    return ids


async def effect_rows(runtime: ServiceRuntime) -> list[tuple[str, str, int]]:
    async with runtime.engine.connect() as conn:
        rows = await conn.execute(select(effects.c.event_id, effects.c.complaint_id,
                                         effects.c.seq).order_by(effects.c.id))
        return [tuple(r) for r in rows]


async def wait_for_effects(runtime: ServiceRuntime, expected: int, timeout: float = 60.0) -> int:
    deadline = time.monotonic() + timeout
    count = 0
    while time.monotonic() < deadline:
        async with runtime.engine.connect() as conn:
            count = (await conn.execute(select(func.count()).select_from(effects))).scalar_one()
        if count >= expected:
            return count
        await asyncio.sleep(0.1)
    return count


def assert_exactly_once_in_order(rows: list[tuple[str, str, int]], written: list[str]) -> None:
    ids = [r[0] for r in rows]
    doubles = {i for i in ids if ids.count(i) > 1}
    assert not doubles, f"{len(doubles)} events applied more than once"
    assert set(ids) == set(written), f"missing: {len(set(written) - set(ids))}"
    last: dict[str, int] = {}
    for _, key, seq in rows:
        assert seq > last.get(key, -1), f"key {key}: seq {seq} after {last[key]}"
        last[key] = seq
