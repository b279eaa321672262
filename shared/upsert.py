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
                update: tuple[str, ...] = (), increment: tuple[str, ...] = ()) -> Insert:
    """An INSERT into ``table`` that, when a row with the same ``key`` columns exists,
    overwrites the ``update`` columns with the new values, adds the new values to the
    ``increment`` columns (counters, tallies), or, with neither, does nothing (the rowcount
    then tells whether the row was inserted)."""
    return _statement(conn.dialect.name, table, key, update, increment)


@cache
def _statement(dialect: str, table: Table, key: tuple[str, ...], update: tuple[str, ...],
               increment: tuple[str, ...]) -> Insert:
    overlap = set(update) & set(increment)
    if overlap:
        raise ValueError(f"columns both updated and incremented: {sorted(overlap)}")
    if dialect == "postgresql":
        pg = postgresql.insert(table)
        if not (update or increment):
            return pg.on_conflict_do_nothing(index_elements=list(key))
        pg_set: dict[str, Any] = {c: pg.excluded[c] for c in update}
        pg_set |= {c: table.c[c] + pg.excluded[c] for c in increment}
        return pg.on_conflict_do_update(index_elements=list(key), set_=pg_set)
    if dialect != "sqlite":
        raise ValueError(f"no upsert for the {dialect!r} dialect (SQLite and PostgreSQL only)")
    lite = sqlite.insert(table)
    if not (update or increment):
        return lite.on_conflict_do_nothing(index_elements=list(key))
    lite_set: dict[str, Any] = {c: lite.excluded[c] for c in update}
    lite_set |= {c: table.c[c] + lite.excluded[c] for c in increment}
    return lite.on_conflict_do_update(index_elements=list(key), set_=lite_set)
