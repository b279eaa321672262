"""A service's runtime: its engine, Kafka bus, outbox relay and consumers, started and stopped
together by the app's lifespan (never at import time)."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import structlog
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from shared import migrate
from shared.consumer import EventConsumer, Subscription, describe_error
from shared.db import create_engine, ping
from shared.group_commit import GroupCommit
from shared.kafka import KafkaBus
from shared.metrics import ServiceMetrics
from shared.outbox import OutboxRelay
from shared.settings import ServiceSettings
from shared.tables import outbox
from shared.uow import UnitOfWork, unit_of_work

log = structlog.get_logger(__name__)


#: A service's own background loop (a scheduler, a poller): runs from start to stop, and must
#: return promptly once the event is set.
BackgroundTask = Callable[["ServiceRuntime", asyncio.Event], Awaitable[None]]


async def pause(stopping: asyncio.Event, seconds: float) -> None:
    """Wait ``seconds``, or less if the service starts stopping (a background task's nap)."""
    try:
        await asyncio.wait_for(stopping.wait(), seconds)
    except TimeoutError:
        pass


class ServiceRuntime:
    def __init__(self, settings: ServiceSettings, *, versions_dir: Path,
                 subscriptions: Sequence[Subscription] = (),
                 tasks: Sequence[BackgroundTask] = ()) -> None:
        self.settings = settings
        self.versions_dir = versions_dir
        self.subscriptions = tuple(subscriptions)
        self.task_factories = tuple(tasks)
        self._started = False
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = asyncio.Event()
        self.metrics = ServiceMetrics(settings.service)
        self._engine: AsyncEngine | None = None
        self.bus = KafkaBus(settings)
        self.relay: OutboxRelay | None = None
        self._group_commit: GroupCommit | None = None
        self.consumers: list[EventConsumer] = []
        #: set by the serving entry point (shared.service_cli.serve_app)
        self.freeze_gc_after_start = False

    def wire(self, *, subscriptions: Sequence[Subscription] = (),
             tasks: Sequence[BackgroundTask] = ()) -> None:
        """Add the consumers and background tasks of a composition root whose use-case
        objects need this runtime and are shared with its loops (notifications' sender wakes
        when a route stores a message): build the runtime, then the services, then wire them
        here, before the app starts. Refused once started."""
        if self._started:
            raise RuntimeError("wire() before the runtime starts")
        self.subscriptions += tuple(subscriptions)
        self.task_factories += tuple(tasks)

    @property
    def engine(self) -> AsyncEngine:
        if self._engine is None:
            raise RuntimeError("the service runtime is not started")
        return self._engine

    async def start(self) -> None:
        s = self.settings
        self._started = True
        self._engine = create_engine(s.database_url)
        if s.migrate_on_start:
            await migrate.upgrade(self._engine, self.versions_dir)
        self.relay = OutboxRelay(engine=self._engine, bus=self.bus, settings=s,
                                 metrics=self.metrics)
        if s.relay_enabled:
            self.relay.start()
        self._group_commit = GroupCommit(self._engine, max_units=s.group_commit_max_units,
                                         metrics=self.metrics, after_commit=self.relay.wake)
        for sub in self.subscriptions:
            consumer = EventConsumer(subscription=sub, settings=s, engine=self._engine,
                                     bus=self.bus, metrics=self.metrics,
                                     after_commit=self.relay.wake)
            consumer.start()
            self.consumers.append(consumer)
        self._stopping = asyncio.Event()
        for factory in self.task_factories:
            self._tasks.append(asyncio.create_task(self._supervise(factory),
                                                   name=getattr(factory, "__name__", "task")))
        if self.freeze_gc_after_start:
            # What exists now (modules, models, compiled schemas, the engine) lives as long as
            # the process: keep it out of the collector's full passes, which otherwise stall
            # every request for ~150 ms now and then (docs/performance.md). Only a serving
            # process does this (shared.service_cli), not every test's runtime.
            gc.freeze()
        log.info("service.started", service=s.service, port=s.port,
                 database=self._engine.url.get_backend_name(), bootstrap=s.kafka_bootstrap)

    async def stop(self) -> None:
        """Background tasks and consumers first (consumers commit what they handled), then the
        relay, then the rest."""
        self._stopping.set()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        await asyncio.gather(*(c.stop() for c in self.consumers))
        self.consumers.clear()
        if self._group_commit is not None:
            await self._group_commit.close()
            self._group_commit = None
        if self.relay is not None:
            await self.relay.stop()
            self.relay = None
        await self.bus.close()
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None
        log.info("service.stopped", service=self.settings.service)

    async def _supervise(self, factory: BackgroundTask) -> None:
        """Run a background task; restart it after a failure (logged), until the stop."""
        name = getattr(factory, "__name__", "task")
        while not self._stopping.is_set():
            try:
                await factory(self, self._stopping)
                return
            except Exception as exc:  # logged and restarted: never lost silently
                log.error("service.task_failed", task=name, error=describe_error(exc),
                          exc_info=exc)
                await pause(self._stopping, 5.0)

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[UnitOfWork]:
        """One transaction; its outbox rows are handed to the relay once it committed."""
        async with unit_of_work(self.engine, self.settings.source_uri) as uow:
            yield uow
        if uow.published and self.relay is not None:
            self.relay.wake()

    @asynccontextmanager
    async def grouped_unit_of_work(self) -> AsyncIterator[UnitOfWork]:
        """An insert-only unit of work (``uow.insert``, ``uow.publish``; no reads), committed
        together with the ones concurrent requests open (shared.group_commit). Leaving the
        block waits for the commit; it raises what writing this unit raised."""
        if self._group_commit is None:
            raise RuntimeError("the service runtime is not started")
        uow = UnitOfWork(None, self.settings.source_uri)
        yield uow
        await self._group_commit.commit(uow)

    async def readiness(self) -> dict[str, str]:
        """Every problem, by component (empty when all is well): the database, the broker,
        each consumer group. Only the database makes the service unready (``/readyz``)."""
        return (await self.readiness_report()).problems

    async def readiness_report(self) -> Readiness:
        """What ``/readyz`` reports: the database decides readiness (can this replica serve
        requests?); the broker, the consumers and the outbox backlog are reported beside it,
        because the outbox keeps accepting writes while the broker is away (docs/operations.md).
        The checks run concurrently, each within 2 s."""
        database, broker, backlog = await asyncio.gather(
            self._check_database(), self.bus.check(timeout=1.5), self._outbox_backlog())
        problems: dict[str, str] = {}
        if database:
            problems["database"] = database
        self.metrics.broker_up.labels(service=self.settings.service).set(0 if broker else 1)
        if broker:
            problems["broker"] = broker
        consumers = {c.sub.name: c.connected for c in self.consumers}
        for name, connected in consumers.items():
            if not connected:
                problems[f"consumer:{name}"] = "not connected to its consumer group"
        unsent, oldest = backlog
        if unsent is not None:
            self.metrics.outbox_unsent.set(unsent)
        return Readiness(ready=not database, problems=problems, consumers=consumers,
                         outbox_unsent=unsent, outbox_oldest_unsent_s=oldest)

    async def _check_database(self) -> str | None:
        try:
            await asyncio.wait_for(ping(self.engine), 2.0)
        except Exception as exc:  # noqa: BLE001 - reported, not raised
            return f"database unreachable: {describe_error(exc)}"
        return None

    async def _outbox_backlog(self) -> tuple[int | None, float | None]:
        """Unsent outbox rows and the age of the oldest (through the index on unsent rows);
        ``None`` when the database does not answer."""
        unsent_rows = outbox.c.sent_at.is_(None)

        async def measure() -> tuple[int, float | None]:
            async with self.engine.connect() as conn:
                count = (await conn.execute(select(func.count()).select_from(outbox)
                                            .where(unsent_rows))).scalar_one()
                first = (await conn.execute(select(outbox.c.created_at).where(unsent_rows)
                                            .order_by(outbox.c.id).limit(1))).scalar()
            age = (datetime.now(UTC) - first).total_seconds() if first is not None else None
            return int(count), age

        try:
            return await asyncio.wait_for(measure(), 2.0)
        except Exception:  # noqa: BLE001 - the database check reports why
            return None, None


@dataclass(frozen=True)
class Readiness:
    ready: bool
    problems: dict[str, str]
    consumers: dict[str, bool]
    outbox_unsent: int | None
    outbox_oldest_unsent_s: float | None
