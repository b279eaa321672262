"""The outbox relay: publishes outbox rows to Kafka, in order per key, marks them sent.

A pass takes the oldest unsent rows, sends them (aiokafka keeps the order within a partition,
and one key always maps to one partition), waits for the broker's acknowledgement
(``acks=all``) and only then marks them sent. A row whose publish fails stays unsent for the
next pass; while the broker is down the relay backs off exponentially.

On PostgreSQL several replicas share the work: a pass locks its rows with
``FOR UPDATE SKIP LOCKED`` and holds the lock until they are marked; a key whose earlier rows
another replica holds is left for a later pass, so a key's rows are never published out of
order by two replicas. SQLite is single-process: the pass reads, publishes without holding the
(only) connection, then marks.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from aiokafka import AIOKafkaProducer
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.db import is_sqlite
from shared.events import CONTENT_TYPE
from shared.kafka import KafkaBus
from shared.metrics import ServiceMetrics
from shared.settings import ServiceSettings
from shared.tables import outbox
from shared.types import AnyRow

log = structlog.get_logger(__name__)

PURGE_EVERY_S = 300.0


@dataclass(frozen=True)
class PassResult:
    published: int
    failed: int
    full: bool  # the pass took a whole batch: there may be more waiting


class OutboxRelay:
    def __init__(self, *, engine: AsyncEngine, bus: KafkaBus, settings: ServiceSettings,
                 metrics: ServiceMetrics) -> None:
        self._engine = engine
        self._bus = bus
        self._settings = settings
        self._metrics = metrics
        self._sqlite = is_sqlite(engine)
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._last_purge = time.monotonic()

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name="outbox-relay")

    def wake(self) -> None:
        """Something was committed to the outbox: look now rather than at the next poll."""
        self._wake.set()

    async def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._task is not None:
            await self._task
            self._task = None

    async def run(self) -> None:
        backoff = 0.0
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                result = await self.run_once()
            except Exception as exc:  # noqa: BLE001 - rows stay unsent; retried after backoff
                log.warning("outbox.pass_failed", error=f"{type(exc).__name__}: {exc}")
                self._metrics.outbox_failures.inc()
                result = PassResult(0, 1, full=False)
            if result.failed:
                backoff = min(self._settings.relay_max_backoff_s, max(0.1, backoff * 2))
                await self._sleep(backoff, wake=False)
                continue
            backoff = 0.0
            if result.full:
                continue
            await self._maybe_purge()
            await self._sleep(self._settings.relay_poll_interval_s, wake=True)

    async def _sleep(self, seconds: float, *, wake: bool) -> None:
        waiters = [asyncio.ensure_future(self._stopping.wait())]
        if wake:
            waiters.append(asyncio.ensure_future(self._wake.wait()))
        _, pending = await asyncio.wait(waiters, timeout=seconds,
                                        return_when=asyncio.FIRST_COMPLETED)
        for w in pending:
            w.cancel()

    # -- one pass --------------------------------------------------------------------------

    async def run_once(self) -> PassResult:
        """Publish one batch of unsent rows. Returns what happened; raises on broker/DB loss."""
        producer = await self._bus.producer()
        limit = self._settings.relay_batch_size
        if self._sqlite:
            async with self._engine.begin() as conn:
                rows = await _unsent(conn, limit)
            if not rows:
                self._metrics.outbox_unsent.set(0)
                return PassResult(0, 0, full=False)
            sent, errors = await self._publish(producer, rows)
            async with self._engine.begin() as conn:
                await _mark(conn, sent, errors)
        else:
            async with self._engine.begin() as conn:
                rows = await _claim(conn, limit)
                if not rows:
                    self._metrics.outbox_unsent.set(0)
                    return PassResult(0, 0, full=False)
                sent, errors = await self._publish(producer, rows)
                await _mark(conn, sent, errors)
        self._metrics.outbox_published.inc(len(sent))
        await self._measure_backlog(full=len(rows) >= limit, failed=len(errors))
        if errors:
            self._metrics.outbox_failures.inc(len(errors))
            first = next(iter(errors.values()))
            log.warning("outbox.publish_failed", failed=len(errors), sent=len(sent), error=first)
        return PassResult(len(sent), len(errors), full=len(rows) >= limit)

    async def _publish(self, producer: AIOKafkaProducer, rows: Sequence[AnyRow]
                       ) -> tuple[list[int], dict[int, str]]:
        futures: list[tuple[int, asyncio.Future[Any]]] = []
        errors: dict[int, str] = {}
        headers = [("content-type", CONTENT_TYPE.encode())]
        for i, row in enumerate(rows):
            try:
                fut = await producer.send(
                    self._bus.topic(row.topic), value=row.payload, key=row.key.encode(),
                    headers=headers,
                )
            except Exception as exc:  # noqa: BLE001 - this and every later row stay unsent
                for later in rows[i:]:
                    errors[later.id] = f"{type(exc).__name__}: {exc}"[:500]
                break
            futures.append((row.id, fut))
        sent: list[int] = []
        for row_id, fut in futures:
            try:
                await fut
            except Exception as exc:  # noqa: BLE001 - stays unsent, retried next pass
                errors[row_id] = f"{type(exc).__name__}: {exc}"[:500]
            else:
                sent.append(row_id)
        if sent:
            self._bus.mark_ok()
        if errors:
            self._bus.mark_failed(RuntimeError(next(iter(errors.values()))))
        return sent, errors

    async def _measure_backlog(self, *, full: bool, failed: int) -> None:
        """A pass smaller than a batch saw every unsent row: only the failed ones remain.
        After a full batch, count (through the index on unsent rows)."""
        if not full:
            self._metrics.outbox_unsent.set(failed)
            return
        async with self._engine.connect() as conn:
            count = (await conn.execute(select(func.count()).select_from(outbox)
                                        .where(outbox.c.sent_at.is_(None)))).scalar_one()
        self._metrics.outbox_unsent.set(count)

    async def _maybe_purge(self) -> None:
        if time.monotonic() - self._last_purge < PURGE_EVERY_S:
            return
        self._last_purge = time.monotonic()
        cutoff = datetime.now(UTC) - timedelta(seconds=self._settings.relay_keep_sent_s)
        async with self._engine.begin() as conn:
            await conn.execute(outbox.delete().where(outbox.c.sent_at < cutoff))


_COLUMNS = (outbox.c.id, outbox.c.topic, outbox.c.key, outbox.c.payload)


async def _unsent(conn: AsyncConnection, limit: int) -> Sequence[AnyRow]:
    stmt = select(*_COLUMNS).where(outbox.c.sent_at.is_(None)).order_by(outbox.c.id).limit(limit)
    return (await conn.execute(stmt)).all()


async def _claim(conn: AsyncConnection, limit: int) -> list[AnyRow]:
    """Lock a batch (skipping rows other replicas hold); drop keys with earlier held rows."""
    stmt = (select(*_COLUMNS).where(outbox.c.sent_at.is_(None)).order_by(outbox.c.id)
            .limit(limit).with_for_update(skip_locked=True))
    rows = (await conn.execute(stmt)).all()
    if not rows:
        return []
    first_mine: dict[tuple[str, str], int] = {}
    for row in rows:
        first_mine.setdefault((row.topic, row.key), row.id)
    # Any unsent row below my highest id that is not mine is held by another replica (SKIP
    # LOCKED passed over it). Only those rows and mine are scanned, through the unsent index.
    oldest = (select(outbox.c.topic, outbox.c.key, func.min(outbox.c.id))
              .where(outbox.c.sent_at.is_(None), outbox.c.id <= rows[-1].id)
              .group_by(outbox.c.topic, outbox.c.key))
    blocked = {(t, k) for t, k, min_id in (await conn.execute(oldest)).all()
               if (t, k) in first_mine and min_id < first_mine[(t, k)]}
    return [r for r in rows if (r.topic, r.key) not in blocked]


async def _mark(conn: AsyncConnection, sent: list[int], errors: dict[int, str]) -> None:
    now = datetime.now(UTC)
    for chunk in _chunks(sent, 500):
        await conn.execute(update(outbox).where(outbox.c.id.in_(chunk)).values(sent_at=now))
    for row_id, error in errors.items():
        await conn.execute(update(outbox).where(outbox.c.id == row_id)
                           .values(attempts=outbox.c.attempts + 1, last_error=error))


def _chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]
