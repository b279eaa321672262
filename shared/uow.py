"""The unit of work: one database transaction and the events it publishes.

HTTP endpoints and event handlers both change state inside ``unit_of_work(engine, source)``;
an event reaches Kafka only through the outbox row that ``publish`` adds to that same
transaction. Rows queued with ``insert`` and the outbox rows are written just before the
commit, one multi-row INSERT per table (tables in foreign-key order, the outbox last); if the
block raises, nothing is written. Reads inside the block do not see queued rows.

A unit of work without a connection (``UnitOfWork(None, source)``) can only queue inserts and
events: ``GroupCommit`` writes many of those, from concurrent requests, in one transaction.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.schema import sort_tables
from sqlalchemy.sql.dml import Insert

from shared.events import AnyEvent, EventPayload, new_event
from shared.tables import outbox

_INSERT_OUTBOX = insert(outbox)

#: A row to insert: column name -> value.
Row = dict[str, Any]


@dataclass
class UnitOfWork:
    connection: AsyncConnection | None
    source: str
    published: list[AnyEvent] = field(default_factory=list)
    _inserts: list[tuple[Table, list[Row]]] = field(default_factory=list, repr=False)
    _outbox: list[Row] = field(default_factory=list, repr=False)

    @property
    def conn(self) -> AsyncConnection:
        if self.connection is None:
            raise RuntimeError("this unit of work is committed by GroupCommit: it can queue "
                               "inserts and publish events, not read or update")
        return self.connection

    def insert(self, table: Table, rows: Sequence[Row]) -> None:
        """Queue ``rows`` (dicts with the same keys) for ``table``; written before the commit."""
        if rows:
            self._inserts.append((table, list(rows)))

    def publish(self, payload: EventPayload, *, event_id: str | None = None,
                time: datetime | None = None) -> AnyEvent:
        """Add ``payload`` to the outbox of this unit of work's transaction (queued: written
        with the other queued rows just before the commit)."""
        event = new_event(payload, source=self.source, event_id=event_id, time=time)
        self._outbox.append(outbox_row(event))
        self.published.append(event)
        return event

    async def flush(self) -> None:
        """Write the queued rows (the transaction's owner calls this before commit)."""
        await write_queued(self.conn, [self])


async def write_queued(conn: AsyncConnection, units: Sequence[UnitOfWork]) -> None:
    """Write the queued rows of ``units`` in ``conn``'s transaction: one INSERT per table and
    set of columns, in foreign-key order, then the outbox rows in the order they were
    published (unit by unit), so the relay keeps each key's order."""
    by_table: dict[tuple[Table, tuple[str, ...]], list[Row]] = {}
    for uow in units:
        for table, rows in uow._inserts:
            for row in rows:
                by_table.setdefault((table, tuple(row)), []).append(row)
    order = _fk_order(frozenset(table for table, _ in by_table))
    for (table, _), rows in sorted(by_table.items(), key=lambda item: order[item[0][0]]):
        await conn.execute(_insert(table), rows)
    events = [row for uow in units for row in uow._outbox]
    if events:
        await conn.execute(_INSERT_OUTBOX, events)


@cache
def _insert(table: Table) -> Insert:
    return insert(table)


@cache
def _fk_order(tables: frozenset[Table]) -> dict[Table, int]:
    return {table: i for i, table in enumerate(sort_tables(tables))}


@asynccontextmanager
async def unit_of_work(engine: AsyncEngine, source: str) -> AsyncIterator[UnitOfWork]:
    """Begin; yield; write the queued rows; commit (or roll everything back on error)."""
    async with engine.begin() as conn:
        uow = UnitOfWork(conn, source)
        yield uow
        await uow.flush()


def outbox_row(event: AnyEvent) -> Row:
    return {
        "event_id": event.id,
        "topic": str(event.data.topic),
        "key": event.subject,
        "event_type": event.type,
        "payload": event.model_dump_json().encode(),
        "created_at": datetime.now(UTC),
    }
