"""Group commit: insert-only units of work from concurrent requests, written in one transaction.

A complaint filing is four rows in three tables plus its events. Written alone it costs a
BEGIN, four statements and a COMMIT, each a round trip through SQLAlchemy and the driver: most
of a filing's CPU time on this machine (see docs/performance.md). Filings that arrive while one
transaction is being written wait for it, then go together: one BEGIN, one multi-row INSERT per
table, one COMMIT for all of them. Under load that turns five round trips per request into five
per batch; alone, a request is written at once, as before.

What a caller sees does not change: ``commit`` returns once its rows are committed, or raises
what writing them raised. When a batch fails on one unit's data (a unique key taken, say),
each unit of the batch is written again alone, so only that unit fails. When the database is
unreachable, every unit of the batch gets the error at once (nothing was stored; the API
answers 503 and the client retries).

Units must be independent of each other: on PostgreSQL two batches may commit in either order,
so two units for the same aggregate (the same outbox key) in flight at once could reach the
outbox out of order. A filing creates its aggregate, which makes it so.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.db import database_unreachable, is_sqlite
from shared.metrics import ServiceMetrics
from shared.uow import UnitOfWork, write_queued

log = structlog.get_logger(__name__)

_Waiting = tuple[UnitOfWork, asyncio.Future[None]]


class GroupCommit:
    def __init__(self, engine: AsyncEngine, *, max_units: int = 128,
                 metrics: ServiceMetrics | None = None,
                 after_commit: Callable[[], None] = lambda: None,
                 max_writers: int | None = None) -> None:
        self._engine = engine
        self._max_units = max_units
        self._metrics = metrics
        self._after_commit = after_commit
        # SQLite has one connection; on PostgreSQL a second writer fills a batch while the
        # first waits for its commit
        self._max_writers = max_writers or (1 if is_sqlite(engine) else 2)
        self._waiting: list[_Waiting] = []
        self._writers: set[asyncio.Task[None]] = set()

    async def commit(self, uow: UnitOfWork) -> None:
        """Write ``uow``'s queued rows and events; return once they are committed."""
        if uow.connection is not None:
            raise ValueError("GroupCommit writes units of work that have no connection")
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((uow, future))
        if len(self._writers) < self._max_writers:
            self._writers.add(asyncio.create_task(self._drain(), name="group-commit"))
        await future

    async def close(self) -> None:
        """Wait for the batches in hand (the service is stopping)."""
        while self._writers:
            await asyncio.wait(set(self._writers))

    async def _drain(self) -> None:
        me = asyncio.current_task()
        batch: list[_Waiting] = []
        try:
            while self._waiting:
                batch = self._waiting[:self._max_units]
                del self._waiting[:self._max_units]
                # a request cancelled before its batch began (client gone) stores nothing
                await self._write([(u, f) for u, f in batch if not f.done()])
        finally:
            # no await between the empty queue and here: a unit queued meanwhile started or
            # found another writer
            self._writers.discard(me)
            stopped = RuntimeError("the service stopped before the write")
            for _, future in batch:  # only if this task was cancelled mid-write
                _fail(future, stopped)
            if not self._writers:
                for _, future in self._waiting:
                    _fail(future, stopped)
                self._waiting.clear()

    async def _write(self, batch: list[_Waiting]) -> None:
        if not batch:
            return
        if self._metrics is not None:
            self._metrics.group_commit_units.observe(len(batch))
        try:
            async with self._engine.begin() as conn:
                await write_queued(conn, [uow for uow, _ in batch])
        except Exception as exc:  # noqa: BLE001 - handed to the callers, who raise it
            if len(batch) == 1 or database_unreachable(exc):
                for _, future in batch:
                    _fail(future, exc)
                return
            # one unit's data broke a constraint: write each alone, so only that one fails
            log.info("group_commit.split", units=len(batch), error=type(exc).__name__)
            for waiting in batch:
                await self._write_alone(waiting)
            return
        for _, future in batch:
            _succeed(future)
        self._after_commit()

    async def _write_alone(self, waiting: _Waiting) -> None:
        uow, future = waiting
        try:
            async with self._engine.begin() as conn:
                await write_queued(conn, [uow])
        except Exception as exc:  # noqa: BLE001 - handed to the caller, who raises it
            _fail(future, exc)
        else:
            _succeed(future)
            self._after_commit()


def _succeed(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _fail(future: asyncio.Future[None], exc: BaseException) -> None:
    if not future.done():
        future.set_exception(exc)
