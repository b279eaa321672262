"""The unit of work: one database transaction and the events it publishes.

HTTP endpoints and event handlers both change state through a ``UnitOfWork``; an event reaches
Kafka only through the outbox row that ``publish`` writes in that same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.events import CloudEvent, EventPayload, new_event
from shared.tables import outbox


@dataclass
class UnitOfWork:
    conn: AsyncConnection
    source: str
    published: list[CloudEvent] = field(default_factory=list)

    async def publish(self, payload: EventPayload, *, event_id: str | None = None,
                      time: datetime | None = None) -> CloudEvent:
        """Write ``payload`` to the outbox, in this unit of work's transaction."""
        event = new_event(payload, source=self.source, event_id=event_id, time=time)
        await self.conn.execute(insert(outbox).values(**outbox_row(event)))
        self.published.append(event)
        return event


def outbox_row(event: CloudEvent) -> dict:
    return {
        "event_id": event.id,
        "topic": str(event.data.topic),
        "key": event.subject,
        "event_type": event.type,
        "payload": event.model_dump_json().encode(),
        "created_at": datetime.now(UTC),
    }
