"""The inbox: makes every event handler idempotent.

``claim`` inserts (consumer, event id) in the handler's own transaction. When the row already
exists the event was handled before (a redelivery after a crash or a rebalance) and the handler
is skipped; when the handler fails, the rollback removes the claim with the handler's effects.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.tables import processed_events


async def claim(conn: AsyncConnection, *, consumer: str, event_id: str, event_type: str) -> bool:
    """Record the event as processed by ``consumer``; False if it already was."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(processed_events).values(
        consumer=consumer, event_id=event_id, event_type=event_type,
        processed_at=datetime.now(UTC),
    ).on_conflict_do_nothing(index_elements=["consumer", "event_id"])
    result = await conn.execute(stmt)
    return result.rowcount == 1
