"""Reading the stored sums of a scope and period into ``Figures`` (the indicators' input).

A year reads the yearly cells, a quarter or a half the quarterly ones, a month the monthly
ones, a day or an ISO week the daily ones. A category or unit scope reads that dimension's
cells (breakdowns are kept per month, quarter and year: a day or week scope of a category has
only its filings). The backlog is summed up to the period's last day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from services.kpi import repository
from services.kpi.domain.indicators import Figures
from services.kpi.domain.periods import Period
from services.kpi.domain.suppression import Split
from shared.ikm import SkmTally


@dataclass(frozen=True)
class Slice:
    """A narrower scope than the whole agency: one dimension value."""

    dim: str
    value: str


#: The stored grain each kind of period reads: a year its yearly cells, a quarter or a half
#: its quarterly ones (services/kpi/domain/projection.rollup), a day or a week the daily ones.
GRAINS = {"year": "y", "half": "q", "quarter": "q", "month": "m", "week": "d", "day": "d"}


def grain_of(period: Period) -> str:
    return GRAINS[period.kind]


def span_of(period: Period) -> repository.Span:
    grain = grain_of(period)
    starts = (period.days() if grain == "d" else period.months() if grain == "m"
              else [m for m in period.months() if m.month % 3 == 1] if grain == "q"
              else [period.start])
    return repository.Span(grain, period.start, period.end, period.last_day,
                           period.survey_codes() if period.monthly else (), tuple(starts))


async def gather(conn: AsyncConnection, *, agencies: Sequence[str], period: Period,
                 integrity: frozenset[str], part: Slice | None = None) -> Figures:
    return (await gather_many(conn, agencies=agencies, periods=[period], integrity=integrity,
                              part=part))[0]


async def gather_many(conn: AsyncConnection, *, agencies: Sequence[str],
                      periods: Sequence[Period], integrity: frozenset[str],
                      part: Slice | None = None,
                      filed: Sequence[Split] | None = None,
                      skipped: Sequence[Sequence[str]] = ()) -> list[Figures]:
    """The figures of each of ``periods`` (a period, the one before, the year before...) in
    four statements whatever their number. ``filed``: the filings by category and privacy
    mode of each period when the caller read them already (the public view's family read:
    then three statements). ``skipped``: per period, measures not read (its indicators that
    need them are then wrong: for a caller that shows only the others)."""
    figs = [Figures(integrity_categories=integrity) for _ in periods]
    spans = [span_of(p) for p in periods]
    dim, value = (part.dim, part.value) if part is not None else ("", None)
    for i, measure, b, n, total in await repository.read_cells_many(
            conn, agencies=agencies, spans=spans, dim=dim, value=value, skipped=skipped):
        figs[int(i)].add(measure, int(b), int(n), int(total))
    if part is None:
        if filed is not None:
            for fig, split in zip(figs, filed, strict=True):
                fig.filed_by_category = dict(split.by_category)
                fig.filed_by_privacy = dict(split.by_privacy)
        else:
            for r in await repository.read_filed_by_many(conn, agencies=agencies, spans=spans,
                                                         dims=("category", "privacy")):
                fig = figs[int(r.i)]
                into = fig.filed_by_category if r.dim == "category" else fig.filed_by_privacy
                into[r.value] = into.get(r.value, 0) + int(r.n)
        backlogs = await repository.read_backlog_many(conn, agencies=agencies,
                                                      days=[p.last_day for p in periods])
        tallies = await repository.read_skm_split_many(conn, agencies=agencies, spans=spans)
        for fig, p, backlog, (general, complaint) in zip(figs, periods, backlogs, tallies,
                                                         strict=True):
            fig.backlog_day, fig.backlog_cohorts = p.last_day, backlog
            fig.skm, fig.complaint_skm = general, complaint
        return figs
    for fig, p in zip(figs, periods, strict=True):
        if part.dim not in ("category", "privacy"):
            fig.splits = frozenset()  # not stored for a unit, channel or region slice
        else:
            (fig.filed_by_category if part.dim == "category" else fig.filed_by_privacy)[
                part.value] = fig.n("filed")
            fig.splits = frozenset({part.dim})
        if part.dim == "unit":
            fig.skm = await _skm(conn, agencies, p, "general", part.value)
    return figs


async def _skm(conn: AsyncConnection, agencies: Sequence[str], period: Period, units: str,
               unit: str | None) -> SkmTally:
    if period.monthly:
        return await repository.read_skm(conn, agencies=agencies, units=units,
                                         period_codes=period.survey_codes(), unit_id=unit)
    return await repository.read_skm(conn, agencies=agencies, units=units,
                                     days=(period.start, period.end), unit_id=unit)


async def by_value(conn: AsyncConnection, *, agencies: Sequence[str], period: Period,
                   dim: str, integrity: frozenset[str], skipped: Sequence[str] = (),
                   measures: Sequence[str] | None = None) -> dict[str, Figures]:
    """One ``Figures`` per value of ``dim`` (monthly cells; for a day or a week, only the
    filings are broken down), without the measures ``skipped``; of ``measures`` only when
    given."""
    out: dict[str, Figures] = {}
    rows = await repository.read_cells(conn, agencies=agencies, grain=grain_of(period),
                                       start=period.start, end=period.end, dim=dim,
                                       by_value=True, skipped=skipped, measures=measures)
    for v, measure, b, n, total in rows:
        fig = out.get(v)
        if fig is None:
            fig = out[v] = Figures(integrity_categories=integrity,
                                   splits=frozenset({dim}) & {"category", "privacy"})
        fig.add(measure, int(b), int(n), int(total))
    for v, fig in out.items():
        if dim == "category":
            fig.filed_by_category[v] = fig.n("filed")
        if dim == "privacy":
            fig.filed_by_privacy[v] = fig.n("filed")
    return out


async def series(conn: AsyncConnection, *, agencies: Sequence[str], period: Period,
                 measures: Sequence[str]) -> dict[str, dict[str, int]]:
    """Counts of ``measures`` per sub-period start (days of a week or month, months of longer
    periods): {start iso: {measure: n}}."""
    grain = "d" if period.kind in ("day", "week", "month") else "m"
    out: dict[str, dict[str, int]] = {}
    for r in await repository.read_cells(conn, agencies=agencies, grain=grain,
                                         start=period.start, end=period.end,
                                         measures=measures, by_start=True):
        day = r.start.isoformat()
        row = out.setdefault(day, {})
        row[r.measure] = row.get(r.measure, 0) + int(r.n)
    return out
