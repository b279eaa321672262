"""Every query and write of the surveys service (SQLAlchemy Core). The caller owns the
transaction: these functions take a connection and never commit.

The statements run on every response (the response row, the tally upsert) are built once
per dialect by ``shared.upsert.on_conflict`` and executed with parameters: building the
37-column tally upsert and its cache key on every response cost ~2 ms (measured).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, RowMapping, Table, and_, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.dml import Insert, ReturningInsert

from services.surveys.domain.ikm import ElementTally, SkmTally
from services.surveys.domain.skm import ELEMENT_CODES, MAX_SCORE, MIN_SCORE
from services.surveys.models import (
    BURST_TALLY_KEY,
    COUNT_COLUMNS,
    ITEM_TALLY_KEY,
    SEGMENT_COLUMNS,
    TALLY_KEY,
    agencies,
    answer_buckets,
    burst_tallies,
    count_column,
    invitations,
    item_tallies,
    responses,
    skm_tallies,
    survey_periods,
    survey_versions,
    surveys,
)
from shared.types import AnyRow
from shared.upsert import on_conflict

#: A row to write: column name -> value.
Values = Mapping[str, Any]
TALLY_COUNTERS = ("respondents", *COUNT_COLUMNS)


# -- surveys and periods ------------------------------------------------------------------------


async def get_survey(conn: AsyncConnection, survey_id: str, *, lock: bool = False
                     ) -> AnyRow | None:
    """``lock``: hold the survey's row (PostgreSQL) so period changes of one survey queue."""
    stmt = select(surveys).where(surveys.c.id == survey_id)
    if lock:
        stmt = stmt.with_for_update()
    return (await conn.execute(stmt)).first()


async def insert_survey(conn: AsyncConnection, values: Values) -> bool:
    """Insert unless the id exists (an idempotent retry); True if this call inserted it."""
    stmt = on_conflict(conn, surveys, key=("id",))
    return (await conn.execute(stmt, dict(values))).rowcount == 1


async def list_surveys(conn: AsyncConnection, *, agency_id: str | None,
                       unit_id: str | None) -> Sequence[AnyRow]:
    stmt = select(surveys).order_by(surveys.c.created_at, surveys.c.id)
    if agency_id is not None:
        stmt = stmt.where(surveys.c.agency_id == agency_id)
    if unit_id is not None:
        stmt = stmt.where(surveys.c.unit_id == unit_id)
    return (await conn.execute(stmt.limit(1000))).all()


async def post_complaint_survey(conn: AsyncConnection, agency_id: str) -> AnyRow | None:
    """The agency's newest post-complaint survey."""
    stmt = (select(surveys).where(surveys.c.agency_id == agency_id,
                                  surveys.c.purpose == "post_complaint")
            .order_by(surveys.c.created_at.desc(), surveys.c.id.desc()).limit(1))
    return (await conn.execute(stmt)).first()


async def periods_of(conn: AsyncConnection, survey_id: str) -> Sequence[AnyRow]:
    stmt = (select(survey_periods).where(survey_periods.c.survey_id == survey_id)
            .order_by(survey_periods.c.starts_on))
    return (await conn.execute(stmt)).all()


async def periods_of_many(conn: AsyncConnection,
                          survey_ids: Sequence[str]) -> dict[str, list[AnyRow]]:
    """The periods of several surveys in one query (a list of surveys)."""
    if not survey_ids:
        return {}
    stmt = (select(survey_periods).where(survey_periods.c.survey_id.in_(list(survey_ids)))
            .order_by(survey_periods.c.starts_on))
    out: dict[str, list[AnyRow]] = {}
    for row in await conn.execute(stmt):
        out.setdefault(row.survey_id, []).append(row)
    return out


async def get_period(conn: AsyncConnection, survey_id: str, code: str) -> AnyRow | None:
    stmt = select(survey_periods).where(survey_periods.c.survey_id == survey_id,
                                        survey_periods.c.code == code)
    return (await conn.execute(stmt)).first()


async def insert_period(conn: AsyncConnection, values: Values) -> None:
    await conn.execute(survey_periods.insert(), dict(values))


@dataclass(frozen=True, slots=True)
class PeriodRef:
    """What recording needs of a period (read together with its survey)."""

    id: str
    code: str
    closed_at: datetime | None


async def survey_and_period(conn: AsyncConnection, survey_id: str, *, code: str | None,
                            day: date) -> tuple[AnyRow | None, PeriodRef | None]:
    """The survey and, in the same round trip, its period of that ``code`` (or containing
    ``day`` when no code is given)."""
    p = survey_periods
    on = (p.c.code == code) if code is not None else and_(p.c.starts_on <= day,
                                                             p.c.ends_on > day)
    stmt = (select(surveys, p.c.id.label("p_id"), p.c.code.label("p_code"),
                   p.c.closed_at.label("p_closed_at"))
            .select_from(surveys.outerjoin(p, and_(p.c.survey_id == surveys.c.id, on)))
            .where(surveys.c.id == survey_id))
    row = (await conn.execute(stmt)).first()
    if row is None:
        return None, None
    period = PeriodRef(row.p_id, row.p_code, row.p_closed_at) if row.p_id else None
    return row, period


async def period_by_id(conn: AsyncConnection, period_id: str) -> AnyRow | None:
    stmt = select(survey_periods).where(survey_periods.c.id == period_id)
    return (await conn.execute(stmt)).first()


async def period_on(conn: AsyncConnection, survey_id: str, day: date) -> AnyRow | None:
    """The survey's period containing ``day`` (periods never overlap)."""
    stmt = select(survey_periods).where(survey_periods.c.survey_id == survey_id,
                                        survey_periods.c.starts_on <= day,
                                        survey_periods.c.ends_on > day)
    return (await conn.execute(stmt)).first()


async def periods_between(conn: AsyncConnection, survey_id: str, starts_on: date,
                          ends_on: date) -> Sequence[AnyRow]:
    """The survey's periods that share a day with [starts_on, ends_on)."""
    p = survey_periods
    stmt = select(p).where(p.c.survey_id == survey_id, p.c.starts_on < ends_on,
                           p.c.ends_on > starts_on).order_by(p.c.starts_on)
    return (await conn.execute(stmt)).all()


async def unit_periods_between(conn: AsyncConnection, *, agency_id: str, unit_id: str | None,
                               starts_on: date, ends_on: date) -> Sequence[AnyRow]:
    """The periods sharing a day with [starts_on, ends_on) of every general SKM survey of the
    unit (of the agency when ``unit_id`` is None): survey, id, code, population."""
    p = survey_periods
    stmt = (select(p.c.survey_id, p.c.id, p.c.code, p.c.population)
            .join(surveys, surveys.c.id == p.c.survey_id)
            .where(surveys.c.agency_id == agency_id,
                   surveys.c.kind == "skm", surveys.c.purpose == "general",
                   p.c.starts_on < ends_on, p.c.ends_on > starts_on)
            .order_by(p.c.survey_id, p.c.starts_on))
    if unit_id is not None:
        stmt = stmt.where(surveys.c.unit_id == unit_id)
    return (await conn.execute(stmt)).all()


async def set_population(conn: AsyncConnection, period_id: str, population: int) -> None:
    await conn.execute(update(survey_periods).where(survey_periods.c.id == period_id)
                       .values(population=population))


async def close_period(conn: AsyncConnection, period_id: str, at: datetime) -> bool:
    """Close an open period; False if it was closed already."""
    result = await conn.execute(
        update(survey_periods)
        .where(survey_periods.c.id == period_id, survey_periods.c.closed_at.is_(None))
        .values(closed_at=at))
    return result.rowcount == 1


# -- responses and tallies ----------------------------------------------------------------------


async def response_fingerprint(conn: AsyncConnection, response_id: str) -> AnyRow | None:
    stmt = (select(responses.c.fingerprint, responses.c.survey_id, responses.c.recorded_at,
                   survey_periods.c.code.label("period"))
            .join(survey_periods, survey_periods.c.id == responses.c.period_id)
            .where(responses.c.id == response_id))
    return (await conn.execute(stmt)).first()


async def insert_response(conn: AsyncConnection, values: Values) -> bool:
    """Insert unless the id exists (a concurrent retry); True if this call inserted it."""
    stmt = on_conflict(conn, responses, key=("id",))
    return (await conn.execute(stmt, dict(values))).rowcount == 1


def _counts(scores: Mapping[str, int]) -> dict[str, Any]:
    values: dict[str, Any] = dict.fromkeys(COUNT_COLUMNS, 0)
    for code, score in scores.items():
        values[count_column(code, score)] = 1
    return values


async def add_to_tally(conn: AsyncConnection, key: Values, scores: Mapping[str, int]) -> None:
    """Fold one response into its tally row: one upsert of constant shape (built once)."""
    stmt = on_conflict(conn, skm_tallies, key=TALLY_KEY, increment=TALLY_COUNTERS)
    await conn.execute(stmt, {**key, "respondents": 1, **_counts(scores)})


# -- bursts -------------------------------------------------------------------------------------


@cache
def _count_statement(dialect: str, stmt: Insert) -> ReturningInsert[Any]:
    return stmt.returning(answer_buckets.c.responses, answer_buckets.c.excluded_at)


async def count_in_bucket(conn: AsyncConnection, values: Values) -> tuple[int, bool]:
    """Count one answer in its client-window bucket (created on its first answer): the
    bucket's count with it, and whether the bucket is an excluded burst. The upsert holds
    the bucket's row, so an exclusion of it is either committed (and seen here) or waits
    for this answer's commit (and then counts it in the tally it publishes)."""
    stmt = _count_statement(conn.dialect.name, on_conflict(
        conn, answer_buckets, key=("survey_id", "window_start", "client_hash"),
        increment=("responses",)))
    row = (await conn.execute(stmt, {**values, "responses": 1})).one()
    return int(row.responses), row.excluded_at is not None


async def flag_bucket(conn: AsyncConnection, bucket_id: str, at: datetime) -> None:
    await conn.execute(update(answer_buckets).where(answer_buckets.c.id == bucket_id)
                       .values(flagged_at=at))


async def bucket_responses(conn: AsyncConnection, bucket_id: str) -> Sequence[AnyRow]:
    """The SKM answers counted in a bucket, with what their tally key needs."""
    r = responses
    stmt = select(r.c.survey_id, r.c.survey_version, r.c.period_id, r.c.service_id,
                  r.c.answers, *(r.c[c] for c in SEGMENT_COLUMNS)).where(r.c.bucket_id == bucket_id)
    return (await conn.execute(stmt)).all()


async def add_to_burst_tally(conn: AsyncConnection, bucket_id: str, key: Values,
                             scores: Mapping[str, int]) -> None:
    stmt = on_conflict(conn, burst_tallies, key=BURST_TALLY_KEY, increment=TALLY_COUNTERS)
    await conn.execute(stmt, {"bucket_id": bucket_id, **key, "respondents": 1,
                              **_counts(scores)})


async def bursts_of(conn: AsyncConnection, survey_id: str,
                    period_ids: Sequence[str]) -> Sequence[AnyRow]:
    """The flagged buckets of a survey's periods, oldest first, with their period's code."""
    b, p = answer_buckets, survey_periods
    stmt = (select(b.c.id, b.c.window_start, b.c.responses, b.c.flagged_at, b.c.excluded_at,
                   b.c.excluded_by, b.c.period_id, p.c.code.label("period"),
                   p.c.closed_at.label("period_closed_at"))
            .join(p, p.c.id == b.c.period_id)
            .where(b.c.survey_id == survey_id, b.c.period_id.in_(list(period_ids)),
                   b.c.flagged_at.is_not(None))
            .order_by(b.c.window_start, b.c.id))
    return (await conn.execute(stmt)).all()


async def get_burst(conn: AsyncConnection, survey_id: str, bucket_id: str) -> AnyRow | None:
    b, p = answer_buckets, survey_periods
    stmt = (select(b.c.id, b.c.window_start, b.c.responses, b.c.flagged_at, b.c.excluded_at,
                   b.c.excluded_by, b.c.period_id, p.c.code.label("period"),
                   p.c.closed_at.label("period_closed_at"))
            .join(p, p.c.id == b.c.period_id)
            .where(b.c.survey_id == survey_id, b.c.id == bucket_id,
                   b.c.flagged_at.is_not(None)))
    return (await conn.execute(stmt)).first()


async def burst_counts(conn: AsyncConnection, period_ids: Sequence[str]) -> tuple[int, int]:
    """(flagged, excluded) bursts with answers that count for the periods."""
    b, t = answer_buckets, burst_tallies
    with_answers = select(t.c.bucket_id).where(t.c.period_id.in_(list(period_ids)))
    stmt = select(func.count(b.c.flagged_at), func.count(b.c.excluded_at)).where(
        b.c.id.in_(with_answers.scalar_subquery()), b.c.flagged_at.is_not(None))
    flagged, excluded = (await conn.execute(stmt)).one()
    return int(flagged), int(excluded)


async def set_excluded(conn: AsyncConnection, bucket_id: str, at: datetime | None,
                       by: str | None) -> bool:
    """Exclude a burst (``at`` given) or count it again (None); False when it already was.
    The update holds the bucket's row until the commit: an answer counted in it meanwhile
    waits, and then sees the new state (``count_in_bucket``)."""
    b = answer_buckets
    state = b.c.excluded_at.is_(None) if at is not None else b.c.excluded_at.is_not(None)
    changed = await conn.execute(update(b).where(b.c.id == bucket_id, state)
                                 .values(excluded_at=at, excluded_by=by))
    return changed.rowcount == 1


async def burst_answers(conn: AsyncConnection, bucket_id: str) -> Sequence[AnyRow]:
    """Every answer counted in a burst: its period's code, submission time and scores."""
    r, p = responses, survey_periods
    stmt = (select(p.c.code.label("period"), r.c.submitted_at, r.c.answers)
            .join(p, p.c.id == r.c.period_id).where(r.c.bucket_id == bucket_id))
    return (await conn.execute(stmt)).all()


async def burst_tallies_of(conn: AsyncConnection,
                           bucket_ids: Sequence[str]) -> dict[str, SkmTally]:
    """Each burst's own tally (all its answers, every service and segment)."""
    if not bucket_ids:
        return {}
    t = burst_tallies
    sums = [func.sum(t.c[name]).label(name) for name in TALLY_COUNTERS]
    stmt = (select(t.c.bucket_id, *sums).where(t.c.bucket_id.in_(list(bucket_ids)))
            .group_by(t.c.bucket_id))
    return {row["bucket_id"]: _tally(row) for row in (await conn.execute(stmt)).mappings()}


async def purge_buckets(conn: AsyncConnection, *, before: datetime) -> int:
    """Forget the windows that ended before ``before``: the buckets that were no burst go
    (and their responses' link to them), the bursts keep their counts but no client hash.
    The number of buckets deleted."""
    b = answer_buckets
    quiet = select(b.c.id).where(b.c.flagged_at.is_(None), b.c.window_start < before)
    await conn.execute(update(responses).where(responses.c.bucket_id.in_(
        quiet.scalar_subquery())).values(bucket_id=None))
    deleted = await conn.execute(delete(b).where(b.c.flagged_at.is_(None),
                                                 b.c.window_start < before))
    await conn.execute(update(b).where(b.c.window_start < before,
                                       b.c.client_hash.is_not(None)).values(client_hash=None))
    return deleted.rowcount


async def read_tallies(conn: AsyncConnection, *, period_ids: Sequence[str],
                       service_id: str | None = None,
                       by: str | None = None) -> dict[str | None, SkmTally]:
    """Sum the stored tallies of ``period_ids`` (optionally one service), per ``by`` segment
    value ("" = not given) or in total (key None)."""
    return await _sum_tallies(conn, skm_tallies, period_ids=period_ids, service_id=service_id,
                              by=by)


async def read_burst_tallies(conn: AsyncConnection, *, period_ids: Sequence[str],
                             service_id: str | None = None, by: str | None = None,
                             excluded_only: bool) -> dict[str | None, SkmTally]:
    """Like ``read_tallies``, for the answers of the flagged bursts (or only of those the
    owner excluded) that count for ``period_ids``: a burst is listed in its first answer's
    period, but one client's answers in one window may name or be dated in others."""
    b, p = answer_buckets, survey_periods
    of_surveys = select(p.c.survey_id).where(p.c.id.in_(list(period_ids)))
    bursts = select(b.c.id).where(b.c.survey_id.in_(of_surveys.scalar_subquery()),
                                  (b.c.excluded_at if excluded_only else b.c.flagged_at)
                                  .is_not(None))
    return await _sum_tallies(conn, burst_tallies, period_ids=period_ids,
                              service_id=service_id, by=by,
                              extra=[burst_tallies.c.bucket_id.in_(bursts.scalar_subquery())])


async def _sum_tallies(conn: AsyncConnection, table: Table, *, period_ids: Sequence[str],
                       service_id: str | None, by: str | None,
                       extra: Sequence[ColumnElement[bool]] = ()) -> dict[str | None, SkmTally]:
    sums = [func.coalesce(func.sum(table.c[name]), 0).label(name) for name in TALLY_COUNTERS]
    where: list[ColumnElement[bool]] = [table.c.period_id.in_(list(period_ids)), *extra]
    if service_id is not None:
        where.append(table.c.service_key == service_id)
    if by is not None:
        assert by in SEGMENT_COLUMNS
        stmt = (select(table.c[by].label("segment"), *sums).where(and_(*where))
                .group_by(table.c[by]))
    else:
        stmt = select(*sums).where(and_(*where))
    result: dict[str | None, SkmTally] = {}
    for row in (await conn.execute(stmt)).mappings():
        result[row["segment"] if by is not None else None] = _tally(row)
    return result


def _tally(row: RowMapping) -> SkmTally:
    elements = tuple(
        ElementTally(code, tuple(int(row[count_column(code, s)] or 0)
                                 for s in range(MIN_SCORE, MAX_SCORE + 1)))
        for code in ELEMENT_CODES)
    return SkmTally(int(row["respondents"] or 0), elements)


async def add_to_item_tally(conn: AsyncConnection, key: Values,
                            pairs: Sequence[tuple[str, str]]) -> None:
    """Count one custom response: its respondent (item "") and each (item, value) pair."""
    rows = [{**key, "item_code": item, "value": value, "answers": 1}
            for item, value in [("", ""), *pairs]]
    stmt = on_conflict(conn, item_tallies, key=ITEM_TALLY_KEY, increment=("answers",))
    await conn.execute(stmt, rows)


async def read_item_tallies(conn: AsyncConnection, *, period_ids: Sequence[str], version: int,
                            service_id: str | None = None, by: str | None = None,
                            ) -> dict[str | None, dict[tuple[str, str], int]]:
    """Counts per (item, value) of a custom survey's version: in total (key None) or per
    ``by`` segment value ("" = not given)."""
    where: list[ColumnElement[bool]] = [item_tallies.c.period_id.in_(list(period_ids)),
             item_tallies.c.survey_version == version]
    if service_id is not None:
        where.append(item_tallies.c.service_key == service_id)
    group: list[ColumnElement[Any]] = [item_tallies.c.item_code, item_tallies.c.value]
    if by is not None:
        assert by in SEGMENT_COLUMNS
        group.append(item_tallies.c[by].label("segment"))
    stmt = (select(*group, func.sum(item_tallies.c.answers).label("n"))
            .where(and_(*where)).group_by(*group))
    out: dict[str | None, dict[tuple[str, str], int]] = {}
    for r in await conn.execute(stmt):
        segment = r.segment if by is not None else None
        out.setdefault(segment, {})[(r.item_code, r.value)] = int(r.n)
    return out


async def custom_respondents(conn: AsyncConnection, period_id: str) -> int:
    """Respondents of a custom survey's period, every version (from the tallies)."""
    stmt = select(func.coalesce(func.sum(item_tallies.c.answers), 0)).where(
        item_tallies.c.period_id == period_id, item_tallies.c.item_code == "")
    return int((await conn.execute(stmt)).scalar_one())


# -- questionnaire versions -------------------------------------------------------------------


async def version_items(conn: AsyncConnection, survey_id: str,
                        version: int) -> list[dict[str, Any]] | None:
    stmt = select(survey_versions.c["items"]).where(survey_versions.c.survey_id == survey_id,
                                                 survey_versions.c.version == version)
    items: list[dict[str, Any]] | None = (await conn.execute(stmt)).scalar_one_or_none()
    return items


async def current_items(conn: AsyncConnection,
                        surveys_at: Sequence[tuple[str, int]]) -> dict[str, list[dict[str, Any]]]:
    """The items of each (survey, version) in one query (a list of custom surveys)."""
    if not surveys_at:
        return {}
    v = survey_versions
    stmt = select(v.c.survey_id, v.c.version, v.c["items"]).where(
        v.c.survey_id.in_([survey_id for survey_id, _ in surveys_at]))
    wanted = set(surveys_at)
    return {row.survey_id: row.items for row in await conn.execute(stmt)
            if (row.survey_id, row.version) in wanted}


async def add_version(conn: AsyncConnection, survey_id: str, version: int,
                      items: list[dict[str, Any]], at: datetime) -> None:
    await conn.execute(survey_versions.insert().values(survey_id=survey_id, version=version,
                                                       items=items, created_at=at))
    await conn.execute(update(surveys).where(surveys.c.id == survey_id).values(version=version))


# -- invitations --------------------------------------------------------------------------------


async def insert_invitation(conn: AsyncConnection, values: Values) -> bool:
    """Insert unless the complaint has one; True if this call inserted it."""
    stmt = on_conflict(conn, invitations, key=("complaint_id",))
    return (await conn.execute(stmt, dict(values))).rowcount == 1


async def invitation_by_hash(conn: AsyncConnection, token_hash: str) -> AnyRow | None:
    stmt = select(invitations).where(invitations.c.token_hash == token_hash)
    return (await conn.execute(stmt)).first()


async def use_invitation(conn: AsyncConnection, invitation_id: str, now: datetime) -> bool:
    """Mark an open invitation used; False if it was used or has expired (checked atomically)."""
    result = await conn.execute(
        update(invitations)
        .where(invitations.c.id == invitation_id, invitations.c.used_at.is_(None),
               invitations.c.expires_at > now)
        .values(used_at=now))
    return result.rowcount == 1


# -- the catalogue's agencies -------------------------------------------------------------------


async def keep_agency(conn: AsyncConnection, values: Values) -> bool:
    """Store an agency's newer revision (an older or equal one is ignored: events of one
    agency arrive in order, but a replay brings old ones again). True if stored."""
    stmt = select(agencies.c.revision).where(agencies.c.id == values["id"])
    held = (await conn.execute(stmt)).scalar_one_or_none()
    if held is None:
        await conn.execute(agencies.insert(), dict(values))
        return True
    if held >= values["revision"]:
        return False
    await conn.execute(update(agencies).where(agencies.c.id == values["id"])
                       .values(**{k: v for k, v in values.items() if k != "id"}))
    return True


async def agency_names(conn: AsyncConnection, ids: Sequence[str]) -> dict[str, AnyRow]:
    """The known agencies among ``ids``: their names."""
    wanted = [i for i in ids if i]
    if not wanted:
        return {}
    stmt = select(agencies.c.id, agencies.c.name_id, agencies.c.name_en).where(
        agencies.c.id.in_(wanted))
    return {row.id: row for row in await conn.execute(stmt)}
