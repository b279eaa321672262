"""Reading the stored sums of a scope and period into ``Figures`` (the indicators' input).

A period of whole months reads the monthly cells; a day or an ISO week reads the daily ones.
A category or unit scope reads that dimension's cells (breakdowns are monthly: a day or week
scope of a category has only its filings). The backlog is summed up to the period's last day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from services.kpi import repository
from services.kpi.domain.indicators import Figures
from services.kpi.domain.periods import Period
from shared.ikm import SkmTally


@dataclass(frozen=True)
class Slice:
    """A narrower scope than the whole agency: one dimension value."""

    dim: str
    value: str


def grain_of(period: Period) -> str:
    return "m" if period.monthly else "d"


async def gather(conn: AsyncConnection, *, agencies: Sequence[str], period: Period,
                 integrity: frozenset[str], part: Slice | None = None) -> Figures:
    fig = Figures(integrity_categories=integrity)
    grain = grain_of(period)
    dim, value = (part.dim, part.value) if part is not None else ("", None)
    for r in await repository.read_cells(conn, agencies=agencies, grain=grain,
                                         start=period.start, end=period.end, dim=dim,
                                         value=value):
        fig.add(r.measure, int(r.bin), int(r.n), int(r.total))
    if part is not None and part.dim not in ("category", "privacy"):
        fig.splits = frozenset()  # not stored for a unit, channel or region slice
    elif part is None:
        into = {"category": fig.filed_by_category, "privacy": fig.filed_by_privacy}
        for r in await repository.read_filed_by(conn, agencies=agencies, grain=grain,
                                                start=period.start, end=period.end,
                                                dims=("category", "privacy")):
            into[r.dim][r.value] = into[r.dim].get(r.value, 0) + int(r.n)
    else:
        filed = fig.n("filed")
        (fig.filed_by_category if part.dim == "category" else fig.filed_by_privacy)[
            part.value] = filed
        fig.splits = frozenset({part.dim})
    if part is None:
        fig.backlog_day = period.last_day
        fig.backlog_cohorts = await repository.read_backlog(conn, agencies=agencies,
                                                            day=period.last_day)
    unit = part.value if part is not None and part.dim == "unit" else None
    if unit is not None:
        fig.skm = await _skm(conn, agencies, period, "general", unit)
    elif part is None:
        if period.monthly:
            fig.skm, fig.complaint_skm = await repository.read_skm_split(
                conn, agencies=agencies, period_codes=period.survey_codes())
        else:
            fig.skm, fig.complaint_skm = await repository.read_skm_split(
                conn, agencies=agencies, days=(period.start, period.end))
    return fig


async def _skm(conn: AsyncConnection, agencies: Sequence[str], period: Period, units: str,
               unit: str | None) -> SkmTally:
    if period.monthly:
        return await repository.read_skm(conn, agencies=agencies, units=units,
                                         period_codes=period.survey_codes(), unit_id=unit)
    return await repository.read_skm(conn, agencies=agencies, units=units,
                                     days=(period.start, period.end), unit_id=unit)


async def by_value(conn: AsyncConnection, *, agencies: Sequence[str], period: Period,
                   dim: str, integrity: frozenset[str]) -> dict[str, Figures]:
    """One ``Figures`` per value of ``dim`` (monthly cells; for a day or a week, only the
    filings are broken down)."""
    out: dict[str, Figures] = {}
    rows = await repository.read_cells(conn, agencies=agencies, grain=grain_of(period),
                                       start=period.start, end=period.end, dim=dim,
                                       by_value=True)
    for r in rows:
        fig = out.get(r.value)
        if fig is None:
            fig = out[r.value] = Figures(
                integrity_categories=integrity,
                splits=frozenset({dim}) & {"category", "privacy"})
        fig.add(r.measure, int(r.bin), int(r.n), int(r.total))
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
