"""Column types shared by every service, and the type of a result row."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeAlias

from sqlalchemy import DateTime, Dialect, Row
from sqlalchemy.types import TypeDecorator

#: A result row of any shape (``Row`` is generic over its columns' types).
AnyRow: TypeAlias = Row[*tuple[Any, ...]]


class UtcDateTime(TypeDecorator[datetime]):
    """An aware datetime, stored in UTC, read back aware in UTC, on every database.

    SQLite keeps no offset: SQLAlchemy's plain ``DateTime`` writes an aware value's wall-clock
    time and drops its offset, so 23:59 in Jakarta would come back as 23:59 UTC. Converting on
    the way in makes SQLite and PostgreSQL agree. A naive value is refused: it has no meaning.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: give a timezone")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
