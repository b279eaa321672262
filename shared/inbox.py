"""The inbox: makes every event handler idempotent.

``claim`` inserts (consumer, event id) in the handler's own transaction. When the row already
exists the event was handled before (a redelivery after a crash or a rebalance) and the handler
is skipped; when the handler fails, the rollback removes the claim with the handler's effects.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from shared.tables import processed_events
from shared.upsert import on_conflict


async def claim(conn: AsyncConnection, *, consumer: str, event_id: str, event_type: str) -> bool:
    """Record the event as processed by ``consumer``; False if it already was."""
    stmt = on_conflict(conn, processed_events, key=("consumer", "event_id"))
    result = await conn.execute(stmt, {"consumer": consumer, "event_id": event_id,
                                       "event_type": event_type,
                                       "processed_at": datetime.now(UTC)})
    return result.rowcount == 1
