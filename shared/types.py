"""Column types shared by every service, the type of a result row, and ``UtcTimestamp``: the
pydantic type of an instant a client sends (an HTTP field or query parameter)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, TypeAlias

from pydantic import AfterValidator, AwareDatetime
from pydantic_core import PydanticCustomError
from sqlalchemy import DateTime, Dialect, Row
from sqlalchemy.types import TypeDecorator

#: A result row of any shape (``Row`` is generic over its columns' types).
AnyRow: TypeAlias = Row[*tuple[Any, ...]]


class DatetimeOutOfRange(ValueError):
    """An aware datetime whose UTC instant falls outside years 1-9999 (``0001-01-01T00:00
    +14:00``): Python cannot represent it, no database column can store it."""


def to_utc(value: datetime) -> datetime:
    """``value`` (aware) in UTC; ``DatetimeOutOfRange`` when that instant is not a datetime."""
    try:
        return value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise DatetimeOutOfRange(f"{value.isoformat()} is outside years 1-9999 in UTC") from None


def _utc_field(value: datetime) -> datetime:
    try:
        return to_utc(value)
    except DatetimeOutOfRange:
        raise PydanticCustomError("datetime_out_of_range",
                                  "The date and time is out of the accepted range") from None


#: An instant a client sends: ISO 8601 with an offset (``Z``, ``+07:00``), converted to UTC.
#: A datetime without an offset or a bare date is a 422 ``timezone_aware``; an instant outside
#: years 1-9999 once in UTC a 422 ``datetime_out_of_range`` (each naming the field), where a
#: plain ``datetime`` would overflow later, in a comparison or the database, as a 500.
UtcTimestamp = Annotated[AwareDatetime, AfterValidator(_utc_field)]


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
        return to_utc(value)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
