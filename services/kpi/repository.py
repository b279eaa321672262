"""Every query and write statement of the kpi service (SQLAlchemy Core; callers own the
transaction). ``tables`` lets a rebuild write the same statements into its fresh tables."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from operator import itemgetter
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    Table,
    and_,
    bindparam,
    delete,
    func,
    literal,
    literal_column,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from services.kpi import models
from services.kpi.domain.periods import month_start, quarter_start
from services.kpi.domain.projection import BACKLOG_DIM, CellKey, ComplaintState
from shared.ikm import ELEMENT_CODES, MAX_SCORE, MIN_SCORE, ElementTally, SkmTally
from shared.upsert import on_conflict

CellSums = dict[CellKey, list[int]]  # key -> [n, total]


@dataclass(frozen=True)
class Tables:
    """The projection tables a statement writes to: the live ones, or a rebuild's."""

    cells: Table = models.cells
    complaints: Table = models.complaints
    applied: Table = models.applied
    agencies: Table = models.agencies
    categories: Table = models.categories
    skm: Table = models.skm


LIVE = Tables()


def _upsert_add(conn: AsyncConnection, table: Table, keys: Sequence[str],
                columns: Sequence[str]) -> Any:
    """INSERT ... ON CONFLICT (keys) DO UPDATE SET c = c + excluded.c (built once)."""
    return on_conflict(conn, table, key=tuple(keys), increment=tuple(columns))


# -- writing the projection ------------------------------------------------------------------

async def mark_applied(conn: AsyncConnection, event_id: str, t: Tables = LIVE) -> bool:
    """Record that ``event_id`` is in the projection; False if it already was."""
    stmt = on_conflict(conn, t.applied, key=("event_id",))
    return (await conn.execute(stmt, {"event_id": event_id})).rowcount == 1


async def insert_applied(conn: AsyncConnection, event_ids: Iterable[str], t: Tables) -> None:
    await bulk_insert(conn, t.applied, [(e,) for e in event_ids])


async def bulk_insert(conn: AsyncConnection, table: Table, rows: list[tuple[Any, ...]]) -> None:
    """A rebuild's bulk rows (tuples in ``table``'s column order; the table holds none of
    their keys): sorted by primary key, so that the database appends to its B-tree instead of
    inserting all over it (3x faster on SQLite), and bound as the columns' types would bind
    them, then one prepared INSERT executed by the driver for many rows (SQLAlchemy's per-row
    parameter processing cost more than the database's work)."""
    if not rows:
        return
    columns = list(table.columns)
    keys = [i for i, c in enumerate(columns) if c.primary_key]
    if keys == list(range(len(keys))):
        rows.sort()  # a unique prefix: whole tuples sort in its order, never compared further
    else:
        rows.sort(key=itemgetter(*keys))
    binds = [(i, bind) for i, c in enumerate(columns)
             if (bind := c.type.bind_processor(conn.dialect)) is not None]
    if binds:
        bound = []
        for row in rows:
            values = list(row)
            for i, bind in binds:
                values[i] = bind(values[i])
            bound.append(tuple(values))
        rows = bound
    marks = (", ".join("?" * len(columns)) if conn.dialect.paramstyle == "qmark"
             else ", ".join(f"${i}" for i in range(1, len(columns) + 1)))
    names = ", ".join(f'"{c.name}"' for c in columns)
    sql = f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})'  # noqa: S608 - ours
    for i in range(0, len(rows), 20000):
        await conn.exec_driver_sql(sql, rows[i:i + 20000])


_CELL_KEY = ("agency_id", "grain", "dim", "start", "measure", "value", "bin")


def _cell_rows(sums: CellSums) -> list[dict[str, Any]]:
    return [{"grain": g, "start": start, "agency_id": a, "dim": d, "value": v, "measure": m,
             "bin": b, "n": nt[0], "total": nt[1]}
            for (g, start, a, d, v, m, b), nt in sums.items() if nt[0] or nt[1]]


async def add_cells(conn: AsyncConnection, sums: CellSums, t: Tables = LIVE, *,
                    fresh: bool = False) -> None:
    """Add ``sums`` to the stored cells (``fresh``: the table holds none of these keys)."""
    if fresh:
        await _bulk_insert_cells(conn, sums, t.cells)
        return
    rows = _cell_rows(sums)
    if not rows:
        return
    stmt = _upsert_add(conn, t.cells, _CELL_KEY, ("n", "total"))
    for i in range(0, len(rows), 10000):
        await conn.execute(stmt, rows[i:i + 10000])


async def _bulk_insert_cells(conn: AsyncConnection, sums: CellSums, table: Table) -> None:
    """A rebuild's millions of cells (columns in the order of ``models.cells``). On SQLite the
    start dates are given as the ISO text SQLite stores, each made once: text sorts faster
    than dates, and the driver's per-value date adapter (deprecated in Python 3.12) cost 1 s
    per million cells."""
    sqlite = conn.dialect.name == "sqlite"
    stored = {start: start.isoformat() if sqlite else start for start in {k[1] for k in sums}}
    await bulk_insert(conn, table, [(a, g, d, stored[start], m, v, b, nt[0], nt[1])
                                    for (g, start, a, d, v, m, b), nt in sums.items()
                                    if nt[0] or nt[1]])


_STATE_COLUMNS = tuple(c.name for c in models.complaints.columns)


def state_row(s: ComplaintState) -> dict[str, Any]:
    return {name: getattr(s, name) for name in _STATE_COLUMNS}


def state_of(row: Row[Any] | Mapping[str, Any]) -> ComplaintState:
    m = row._mapping if isinstance(row, Row) else row
    return ComplaintState(**{name: m[name] for name in _STATE_COLUMNS})


async def load_complaint(conn: AsyncConnection, complaint_id: str,
                         t: Tables = LIVE) -> ComplaintState | None:
    row = (await conn.execute(select(t.complaints).where(
        t.complaints.c.complaint_id == complaint_id))).first()
    return None if row is None else state_of(row)


async def save_complaint(conn: AsyncConnection, state: ComplaintState, t: Tables = LIVE) -> None:
    stmt = on_conflict(conn, t.complaints, key=("complaint_id",), update=_STATE_COLUMNS[1:])
    await conn.execute(stmt, state_row(state))


async def insert_complaints(conn: AsyncConnection, states: Iterable[ComplaintState],
                            t: Tables) -> None:
    await bulk_insert(conn, t.complaints, [tuple(getattr(s, name) for name in _STATE_COLUMNS)
                                           for s in states])


async def upsert_versioned(conn: AsyncConnection, table: Table, key: str,
                           values: dict[str, Any]) -> None:
    """Insert a catalogue entity, or replace it when ``values`` holds a newer revision."""
    stmt = on_conflict(conn, table, key=(key,), update=tuple(k for k in values if k != key),
                       if_newer="revision")
    await conn.execute(stmt, values)


_SKM_KEY = ("agency_id", "unit_key", "period_code", "day")
_SKM_COUNTS = ("respondents", *models.SKM_COUNT_COLUMNS)


async def add_skm(conn: AsyncConnection, rows: Sequence[dict[str, Any]], t: Tables = LIVE, *,
                  fresh: bool = False) -> None:
    if not rows:
        return
    stmt = t.skm.insert() if fresh else _upsert_add(conn, t.skm, _SKM_KEY, _SKM_COUNTS)
    await conn.execute(stmt, list(rows))


def _many(name: str) -> Any:
    """A bound list (``IN``), expanded when the statement runs: one statement object serves
    any number of values."""
    return bindparam(name, expanding=True)


# -- reading the projection ------------------------------------------------------------------
#
# The statements of the public reads are built once per shape (how many periods, which
# options) with bound parameters and kept: building a UNION of a few SELECTs with SQLAlchemy's
# expression language cost 1-3 ms of CPU per statement and request, more than the database's
# work for most of them (docs/performance.md, KPI). SQLAlchemy's compiled cache then finds the
# same statement object's SQL at once.

@lru_cache(maxsize=64)
def _cells_stmt(by_value: bool, by_start: bool, with_measures: bool,
                with_value: bool, without_measures: bool = False) -> Select[Any]:
    c = models.cells
    group = [c.c.measure, c.c.bin]
    if by_value:
        group.insert(0, c.c.value)
    if by_start:
        group.insert(0, c.c.start)
    where: list[ColumnElement[bool]] = [
        c.c.agency_id.in_(_many("agencies")), c.c.grain == bindparam("grain"),
        c.c.dim == bindparam("dim"), c.c.start >= bindparam("start"),
        c.c.start < bindparam("end")]
    if with_measures:
        where.append(c.c.measure.in_(_many("measures")))
    if without_measures:
        where.append(c.c.measure.not_in(_many("skipped")))
    if with_value:
        where.append(c.c.value == bindparam("value"))
    return (select(*group, func.sum(c.c.n).label("n"), func.sum(c.c.total).label("total"))
            .where(and_(*where)).group_by(*group))


async def read_cells(conn: AsyncConnection, *, agencies: Sequence[str], grain: str, start: date,
                     end: date, dim: str = "", value: str | None = None,
                     measures: Sequence[str] | None = None, by_value: bool = False,
                     by_start: bool = False, skipped: Sequence[str] = ()) -> list[Any]:
    """Sums of n and total per measure and bin (and per dimension value / start when asked)
    over ``agencies`` and the cells of ``grain`` starting in [start, end); of ``measures``
    only when given, never of ``skipped``."""
    stmt = _cells_stmt(by_value, by_start, measures is not None, value is not None,
                       bool(skipped))
    params: dict[str, Any] = {"agencies": list(agencies), "grain": grain, "dim": dim,
                              "start": start, "end": end}
    if measures is not None:
        params["measures"] = list(measures)
    if skipped:
        params["skipped"] = list(skipped)
    if value is not None:
        params["value"] = value
    return list((await conn.execute(stmt, params)).all())


class Span(NamedTuple):
    """What one period's figures read: the cells of ``grain`` starting in [start, end), the
    backlog at the end of ``last_day``, and the SKM rows of ``survey_codes`` (a period of whole
    months) or else of the local days [start, end)."""

    grain: str
    start: date
    end: date
    last_day: date
    survey_codes: tuple[str, ...]
    starts: tuple[date, ...]  # the start of each cell of ``grain`` in [start, end)


def _index(i: int) -> Any:
    return literal_column(str(int(i))).label("i")


@lru_cache(maxsize=64)
def _cells_many_stmt(n: int, with_value: bool, lean: tuple[bool, ...] = ()) -> Any:
    c = models.cells
    branches = []
    for i in range(n):
        where = [c.c.agency_id.in_(_many("agencies")), c.c.grain == bindparam(f"g{i}"),
                 c.c.dim == bindparam("dim"), c.c.start >= bindparam(f"s{i}"),
                 c.c.start < bindparam(f"e{i}")]
        if with_value:
            where.append(c.c.value == bindparam("value"))
        if lean and lean[i]:
            where.append(c.c.measure.not_in(_many(f"x{i}")))
        branches.append(select(_index(i), c.c.measure, c.c.bin, func.sum(c.c.n).label("n"),
                               func.sum(c.c.total).label("total"))
                        .where(*where).group_by(c.c.measure, c.c.bin))
    return union_all(*branches)


async def read_cells_many(conn: AsyncConnection, *, agencies: Sequence[str],
                          spans: Sequence[Span], dim: str = "", value: str | None = None,
                          skipped: Sequence[Sequence[str]] = ()) -> list[Any]:
    """Sums of n and total per span (``i``, its index), measure and bin, in one statement: one
    SELECT per span (each a range of the primary key), UNION ALL. ``skipped``: per span, the
    measures not read (none when empty)."""
    params: dict[str, Any] = {"agencies": list(agencies), "dim": dim}
    for i, span in enumerate(spans):
        params |= {f"g{i}": span.grain, f"s{i}": span.start, f"e{i}": span.end}
    lean = tuple(bool(s) for s in skipped)
    for i, measures in enumerate(skipped):
        if measures:
            params[f"x{i}"] = list(measures)
    if value is not None:
        params["value"] = value
    stmt = _cells_many_stmt(len(spans), value is not None, lean if any(lean) else ())
    return list((await conn.execute(stmt, params)).all())


@lru_cache(maxsize=64)
def _filed_by_stmt(n: int, per_agency: bool) -> Any:
    c = models.cells
    by = [c.c.agency_id, c.c.dim, c.c.value] if per_agency else [c.c.dim, c.c.value]
    return union_all(*[
        select(_index(i), *by, func.sum(c.c.n).label("n"))
        .where(c.c.agency_id.in_(_many("agencies")), c.c.grain == bindparam(f"g{i}"),
               c.c.dim.in_(_many("dims")), c.c.start.in_(_many(f"st{i}")),
               c.c.measure == "filed")  # each start named: the key's prefix down to measure
        .group_by(*by)
        for i in range(n)])


async def read_filed_by_many(conn: AsyncConnection, *, agencies: Sequence[str],
                             spans: Sequence[Span], dims: Sequence[str],
                             per_agency: bool = False) -> list[Any]:
    """Filings per span (``i``), dimension and value (``per_agency``: per span, agency,
    dimension and value)."""
    params: dict[str, Any] = {"agencies": list(agencies), "dims": list(dims)}
    for i, span in enumerate(spans):
        params |= {f"g{i}": span.grain, f"st{i}": list(span.starts)}
    stmt = _filed_by_stmt(len(spans), per_agency)
    return list((await conn.execute(stmt, params)).all())


def _backlog_ranges(day: date) -> list[tuple[str, date, date]]:
    """The cells a day's backlog sums, the coarsest that cover the days up to it: the whole
    years up to it, then the whole quarters, the whole months and the days left (each grain
    only when that range holds a cell). The last day of a month, a quarter or a year, where
    most periods end, needs no daily cells: a year's backlog reads 21 agencies' yearly cells,
    not their 31 days of December."""
    after = day + timedelta(days=1)
    year, quarter, month = after.replace(month=1, day=1), quarter_start(after), month_start(after)
    ranges = [("y", date.min, year), ("q", year, quarter), ("m", quarter, month),
              ("d", month, after)]
    return [(g, first, after) for g, first, after in ranges if first < after]


@lru_cache(maxsize=64)
def _backlog_stmt(shape: tuple[tuple[str, ...], ...]) -> Any:
    c = models.cells
    branches = [
        select(_index(i), c.c.bin, c.c.n)
        .where(c.c.agency_id.in_(_many("agencies")), c.c.grain == g, c.c.dim == BACKLOG_DIM,
               c.c.start >= bindparam(f"f{i}{g}"), c.c.start < bindparam(f"a{i}{g}"),
               c.c.measure == "open")
        for i, grains in enumerate(shape) for g in grains]
    parts = union_all(*branches).subquery()
    return (select(parts.c.i, parts.c.bin, func.sum(parts.c.n).label("n"))
            .group_by(parts.c.i, parts.c.bin).having(func.sum(parts.c.n) != 0))


async def read_backlog_many(conn: AsyncConnection, *, agencies: Sequence[str],
                            days: Sequence[date]) -> list[dict[int, int]]:
    """Per day: open complaints at its end per filing day (ordinal), the sum of the +1/-1 of
    its ``_backlog_ranges``: one SELECT per grain and day (each a range of the primary key),
    UNION ALL."""
    params: dict[str, Any] = {"agencies": list(agencies)}
    shape = []
    for i, day in enumerate(days):
        ranges = _backlog_ranges(day)
        shape.append(tuple(g for g, _, _ in ranges))
        for g, first, after in ranges:
            params |= {f"f{i}{g}": first, f"a{i}{g}": after}
    out: list[dict[int, int]] = [{} for _ in days]
    for r in await conn.execute(_backlog_stmt(tuple(shape)), params):
        if r.n:
            out[int(r.i)][int(r.bin)] = int(r.n)
    return out


@lru_cache(maxsize=64)
def _skm_split_stmt(by_codes: tuple[bool, ...]) -> Any:
    s = models.skm
    post = (s.c.unit_key == "").label("post")
    sums = [func.sum(s.c[name]).label(name) for name in _SKM_COUNTS]
    branches = []
    for i, codes in enumerate(by_codes):
        where: list[ColumnElement[bool]] = [s.c.agency_id.in_(_many("agencies"))]
        if codes:
            where.append(s.c.period_code.in_(_many(f"c{i}")))
        else:
            where += [s.c.day >= bindparam(f"s{i}"), s.c.day < bindparam(f"e{i}")]
        branches.append(select(_index(i), post, *sums).where(*where).group_by(post))
    return union_all(*branches)


async def read_skm_split_many(conn: AsyncConnection, *, agencies: Sequence[str],
                              spans: Sequence[Span]) -> list[tuple[SkmTally, SkmTally]]:
    """Per span: (the units' surveys, the post-complaint survey)."""
    params: dict[str, Any] = {"agencies": list(agencies)}
    for i, span in enumerate(spans):
        if span.survey_codes:
            params[f"c{i}"] = list(span.survey_codes)
        else:
            params |= {f"s{i}": span.start, f"e{i}": span.end}
    stmt = _skm_split_stmt(tuple(bool(span.survey_codes) for span in spans))
    out = [(SkmTally(), SkmTally()) for _ in spans]
    for r in (await conn.execute(stmt, params)).mappings():
        general, complaint = out[int(r["i"])]
        tally = tally_of(dict(r))
        out[int(r["i"])] = (general, tally) if r["post"] else (tally, complaint)
    return out


async def read_skm(conn: AsyncConnection, *, agencies: Sequence[str], units: str,
                   period_codes: Sequence[str] = (), days: tuple[date, date] | None = None,
                   unit_id: str | None = None) -> SkmTally:
    """The summed SKM tally. ``units``: "general" (the units' surveys) or "complaint" (the
    post-complaint survey, unit ""). Rows of the survey ``period_codes``, or of local days in
    ``days`` = [start, end)."""
    s = models.skm
    where: list[ColumnElement[bool]] = [s.c.agency_id.in_(list(agencies))]
    if units == "complaint":
        where.append(s.c.unit_key == "")
    elif unit_id is not None:
        where.append(s.c.unit_key == unit_id)
    else:
        where.append(s.c.unit_key != "")
    if days is not None:
        where += [s.c.day >= days[0], s.c.day < days[1]]
    else:
        where.append(s.c.period_code.in_(list(period_codes)))
    stmt = select(*[func.coalesce(func.sum(s.c[name]), 0).label(name) for name in _SKM_COUNTS]
                  ).where(and_(*where))
    row = (await conn.execute(stmt)).mappings().one()
    return tally_of(dict(row))


def tally_of(row: Mapping[str, Any]) -> SkmTally:
    elements = tuple(
        ElementTally(code, tuple(int(row[models.count_column(code, s)])
                                 for s in range(MIN_SCORE, MAX_SCORE + 1)))
        for code in ELEMENT_CODES)
    return SkmTally(int(row["respondents"]), elements)


@lru_cache(maxsize=1)
def _skm_by_unit_stmt() -> Any:
    s = models.skm
    return (select(s.c.agency_id, s.c.unit_key,
                   *[func.sum(s.c[name]).label(name) for name in _SKM_COUNTS])
            .where(s.c.agency_id.in_(_many("agencies")), s.c.unit_key != "",
                   s.c.period_code.in_(_many("codes")))
            .group_by(s.c.agency_id, s.c.unit_key))


async def skm_by_unit(conn: AsyncConnection, *, agencies: Sequence[str],
                      period_codes: Sequence[str]) -> dict[tuple[str, str], SkmTally]:
    """The SKM tally per (agency, unit) of the units' surveys."""
    result = await conn.execute(_skm_by_unit_stmt(), {"agencies": list(agencies),
                                                      "codes": list(period_codes)})
    return {(r["agency_id"], r["unit_key"]): tally_of(dict(r)) for r in result.mappings()}


@lru_cache(maxsize=1)
def _catalogue_stmt() -> Any:
    a, c = models.agencies, models.categories
    agencies = select(literal("a").label("entity"), a.c.agency_id.label("id"),
                      a.c.parent_id.label("owner"), a.c.kind, a.c.name_id, a.c.name_en,
                      literal(False).label("integrity"))
    categories = select(literal("c"), c.c.category_code, c.c.agency_id, literal(""),
                        c.c.name_id, c.c.name_en, c.c.integrity)
    return union_all(agencies, categories).order_by(literal_column("entity"),
                                                    literal_column("id"))


async def catalogue(conn: AsyncConnection) -> list[Row[Any]]:
    """Every agency (``entity`` "a": ``id``, ``owner`` its parent, ``kind``, names) and category
    (``entity`` "c": ``id`` its code, ``owner`` its agency, names, ``integrity``), in one
    statement (a public answer reads them first: one round trip less)."""
    return list((await conn.execute(_catalogue_stmt())).all())


async def agencies_with_data(conn: AsyncConnection) -> list[str]:
    c = models.cells
    stmt = select(c.c.agency_id).where(c.c.grain == "m", c.c.dim == "").distinct()
    return [r.agency_id for r in await conn.execute(stmt)]


# -- targets -----------------------------------------------------------------------------------

async def list_targets(conn: AsyncConnection, *, agencies: Sequence[str] | None = None,
                       ) -> list[Row[Any]]:
    t = models.targets
    stmt = select(t).order_by(t.c.agency_id, t.c.indicator_code, t.c.id)
    if agencies is not None:
        stmt = stmt.where(t.c.agency_id.in_(list(agencies)))
    return list((await conn.execute(stmt)).all())


async def get_target(conn: AsyncConnection, target_id: str) -> Row[Any] | None:
    return (await conn.execute(select(models.targets)
                               .where(models.targets.c.id == target_id))).first()


async def insert_target(conn: AsyncConnection, values: dict[str, Any]) -> bool:
    stmt = on_conflict(conn, models.targets, key=("id",))
    return (await conn.execute(stmt, values)).rowcount == 1


async def update_target(conn: AsyncConnection, target_id: str, version: int,
                        values: dict[str, Any]) -> bool:
    t = models.targets
    result = await conn.execute(update(t).where(t.c.id == target_id, t.c.version == version)
                                .values(**values))
    return result.rowcount == 1


async def delete_target(conn: AsyncConnection, target_id: str) -> bool:
    t = models.targets
    return (await conn.execute(delete(t).where(t.c.id == target_id))).rowcount == 1


async def audit(conn: AsyncConnection, *, target_id: str, action: str, actor: str,
                at: datetime, before: dict[str, Any] | None,
                after: dict[str, Any] | None) -> None:
    await conn.execute(models.target_audit.insert().values(
        target_id=target_id, action=action, actor=actor, at=at, before=before, after=after))


async def audit_of(conn: AsyncConnection, target_id: str) -> list[Row[Any]]:
    a = models.target_audit
    return list((await conn.execute(select(a).where(a.c.target_id == target_id)
                                    .order_by(a.c.id))).all())


# -- period close ------------------------------------------------------------------------------

async def claim_miss(conn: AsyncConnection, values: dict[str, Any]) -> bool:
    """Claim the miss of (agency, indicator, scope, period); False if it was published."""
    stmt = on_conflict(conn, models.target_misses,
                       key=("agency_id", "indicator_code", "category_code", "unit_id", "period"))
    return (await conn.execute(stmt, values)).rowcount == 1


async def period_closed(conn: AsyncConnection, period: str) -> bool:
    cp = models.closed_periods
    return (await conn.execute(select(cp.c.period).where(cp.c.period == period))).first() \
        is not None


async def mark_period_closed(conn: AsyncConnection, period: str, at: datetime) -> None:
    stmt = on_conflict(conn, models.closed_periods, key=("period",))
    await conn.execute(stmt, {"period": period, "closed_at": at})


async def has_data(conn: AsyncConnection, agency_id: str) -> bool:
    c = models.cells
    stmt = select(c.c.agency_id).where(c.c.agency_id == agency_id).limit(1)
    return (await conn.execute(stmt)).first() is not None


# -- the rebuild's swap (suara-kpi rebuild) ---------------------------------------------------

async def lock_projection(conn: AsyncConnection) -> None:
    """Take the projection's write lock (live handlers wait until the swap commits)."""
    if conn.dialect.name == "postgresql":
        await conn.execute(text(f"LOCK TABLE {models.applied.name} IN EXCLUSIVE MODE"))
    else:  # the first write takes SQLite's lock for the whole transaction
        await conn.execute(text(f"DELETE FROM {models.applied.name} WHERE 0 = 1"))  # noqa: S608 - our table names


async def swap_projection(conn: AsyncConnection, generation: str) -> None:
    """Put the fresh tables in the live ones' place. SQLite: renames (its statements are
    re-prepared on a schema change). PostgreSQL: the rows are copied into the live tables
    (TRUNCATE + INSERT ... SELECT): a rename would leave every pooled connection of the running
    service with prepared statements of dropped tables, failing their next use."""
    for table in models.PROJECTION:
        fresh = f'"{table.name}__{generation}"'
        if conn.dialect.name == "postgresql":
            await conn.execute(text(f'TRUNCATE "{table.name}"'))
            await conn.execute(text(f'INSERT INTO "{table.name}" SELECT * FROM {fresh}'))  # noqa: S608 - our table names
            await conn.execute(text(f"DROP TABLE {fresh}"))
            continue
        old = f'"{table.name}__old_{generation}"'
        await conn.execute(text(f'ALTER TABLE "{table.name}" RENAME TO {old}'))
        await conn.execute(text(f'ALTER TABLE {fresh} RENAME TO "{table.name}"'))
        await conn.execute(text(f"DROP TABLE {old}"))
