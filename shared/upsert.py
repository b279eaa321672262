"""INSERT ... ON CONFLICT on SQLite and PostgreSQL: one helper for every service.

Both databases spell it the same way, but SQLAlchemy has one ``insert`` construct per dialect.
``on_conflict`` picks the connection's, and builds each statement shape once per process: an
upsert of many columns and its cache key cost milliseconds to build on every call (measured
on the surveys hot path), so the statement is built without values and executed with
parameters (one dict, or a list of dicts for an executemany).

    stmt = on_conflict(conn, processed_events, key=("consumer", "event_id"))
    inserted = (await conn.execute(stmt, row)).rowcount == 1
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.dml import Insert


def on_conflict(conn: AsyncConnection, table: Table, *, key: tuple[str, ...],
                update: tuple[str, ...] = (), increment: tuple[str, ...] = (),
                if_newer: str | None = None) -> Insert:
    """An INSERT into ``table`` that, when a row with the same ``key`` columns exists,
    overwrites the ``update`` columns with the new values, adds the new values to the
    ``increment`` columns (counters, tallies), or, with neither, does nothing (the rowcount
    then tells whether the row was inserted). ``if_newer`` names a version column: the
    existing row is changed only when the new row's value is greater (a replayed or
    reordered older revision changes nothing)."""
    return _statement(conn.dialect.name, table, key, update, increment, if_newer)


@cache
def _statement(dialect: str, table: Table, key: tuple[str, ...], update: tuple[str, ...],
               increment: tuple[str, ...], if_newer: str | None) -> Insert:
    overlap = set(update) & set(increment)
    if overlap:
        raise ValueError(f"columns both updated and incremented: {sorted(overlap)}")
    if dialect not in ("postgresql", "sqlite"):
        raise ValueError(f"no upsert for the {dialect!r} dialect (SQLite and PostgreSQL only)")
    ins: postgresql.Insert | sqlite.Insert = (
        postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table))
    if not (update or increment):
        return ins.on_conflict_do_nothing(index_elements=list(key))
    changes: dict[str, Any] = {c: ins.excluded[c] for c in update}
    changes |= {c: table.c[c] + ins.excluded[c] for c in increment}
    where = table.c[if_newer] < ins.excluded[if_newer] if if_newer else None
    return ins.on_conflict_do_update(index_elements=list(key), set_=changes, where=where)
