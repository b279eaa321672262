"""The unit of work: one database transaction and the events it publishes.

HTTP endpoints and event handlers both change state inside ``unit_of_work(engine, source)``;
an event reaches Kafka only through the outbox row that ``publish`` adds to that same
transaction. Rows are written in one multi-row INSERT just before the commit (one statement
however many events a transaction publishes); if the block raises, nothing is written.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.events import CloudEvent, EventPayload, new_event
from shared.tables import outbox

_INSERT_OUTBOX = insert(outbox)


@dataclass
class UnitOfWork:
    conn: AsyncConnection
    source: str
    published: list[CloudEvent] = field(default_factory=list)
    _pending: list[dict] = field(default_factory=list, repr=False)

    async def publish(self, payload: EventPayload, *, event_id: str | None = None,
                      time: datetime | None = None) -> CloudEvent:
        """Add ``payload`` to the outbox of this unit of work's transaction."""
        event = new_event(payload, source=self.source, event_id=event_id, time=time)
        self._pending.append(outbox_row(event))
        self.published.append(event)
        return event

    async def flush(self) -> None:
        """Write the pending outbox rows (the transaction's owner calls this before commit)."""
        if self._pending:
            rows, self._pending = self._pending, []
            await self.conn.execute(_INSERT_OUTBOX, rows)


@asynccontextmanager
async def unit_of_work(engine: AsyncEngine, source: str) -> AsyncIterator[UnitOfWork]:
    """Begin; yield; write the outbox rows; commit (or roll everything back on error)."""
    async with engine.begin() as conn:
        uow = UnitOfWork(conn=conn, source=source)
        yield uow
        await uow.flush()


def outbox_row(event: CloudEvent) -> dict:
    return {
        "event_id": event.id,
        "topic": str(event.data.topic),
        "key": event.subject,
        "event_type": event.type,
        "payload": event.model_dump_json().encode(),
        "created_at": datetime.now(UTC),
    }
