"""The kpi use cases: fold an event into the projection; compute the indicators of a scope and
period with targets, scores, the previous period and the year before; breakdowns (suppressed in
public); time series. Each opens one unit of work (or one read-only connection) and returns a
result object; none raises HTTP errors."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from services.kpi import figures, repository
from services.kpi.answers import AnswerCache
from services.kpi.domain import indicators as ind
from services.kpi.domain.batch import Batch, Folder
from services.kpi.domain.indicators import Figures
from services.kpi.domain.periods import InvalidPeriod, Period, parse_period
from services.kpi.domain.projection import DIMENSIONS
from services.kpi.domain.suppression import Split, suppress
from services.kpi.domain.targets import Target, applicable, target_value
from services.kpi.errors import AgencyNotFound, invalid
from services.kpi.figures import Slice
from services.kpi.scope import AgencyTree, authorize_read
from services.kpi.service.privacy import Splits, family, public_view, read_family, summed
from services.kpi.settings import KpiSettings
from services.kpi.writer import write_batch
from shared.auth import Principal
from shared.events import AnyEvent, ComplaintEvent
from shared.runtime import ServiceRuntime
from shared.uow import UnitOfWork


def period_of(code: str, field_name: str = "period") -> Period:
    try:
        return parse_period(code)
    except InvalidPeriod as exc:
        raise invalid(field_name, "invalid_period", str(exc)) from None


@dataclass(frozen=True)
class IndicatorResult:
    code: str
    value: ind.Value
    target: float | None
    direction: str | None
    score: float | None
    previous: ind.Value
    change: float | None
    year_before: ind.Value
    change_year_before: float | None
    missed: bool
    details: dict[str, Any] = field(default_factory=dict)
    #: in public, the fields withheld as small numbers (``value`` first when it is)
    withheld: tuple[str, ...] = ()

    @property
    def suppressed(self) -> bool:
        return "value" in self.withheld

    @property
    def spec(self) -> ind.Indicator:
        return ind.BY_CODE[self.code]


@dataclass(frozen=True)
class OverviewRow:
    """One agency of the dashboard's index: where it sits in the tree, and its figures."""

    agency_id: str
    depth: int
    result: IndicatorsResult


@dataclass(frozen=True)
class IndicatorsResult:
    agency_id: str
    period: Period
    agencies: tuple[str, ...]
    indicators: tuple[IndicatorResult, ...]
    overall_score: float | None
    tree: AgencyTree
    category_code: str | None = None
    unit_id: str | None = None

    def get(self, code: str) -> IndicatorResult:
        return next(i for i in self.indicators if i.code == code)


@dataclass(frozen=True)
class BreakdownCell:
    value: ind.Value
    count: int
    suppressed: bool


@dataclass(frozen=True)
class BreakdownRow:
    value: str
    name_id: str
    name_en: str
    cells: dict[str, BreakdownCell]


@dataclass(frozen=True)
class BreakdownResult:
    agency_id: str
    period: Period
    dimension: str
    rows: tuple[BreakdownRow, ...]
    threshold: int | None  # None: not suppressed (a supervisor's view)


#: The indicators of a breakdown and the count behind each cell (what suppression looks at).
BREAKDOWN_COLUMNS: dict[str, str] = {
    "filed": "filed",
    "resolved": "resolved",
    "resolved_within_5wd": "resolved_first",
    "sla_verification": "sla_verification_due",
    "sla_first_response": "sla_first_response_due",
    "sla_resolution": "sla_resolution_due",
    "time_to_resolution_wd_median": "ttr_wd",
    "time_to_resolution_wd_p90": "ttr_wd",
    "time_to_resolution_hours_median": "ttr_s",
    "reopen_rate": "resolved",
    "rating_mean": "rated",
    "survey_responses": "survey_response",
}


#: Measures no breakdown column reads: the hour histograms of verification and first response
#: (most of a breakdown's rows). Each comes with its working-day histogram, which is read, so
#: a value with only those still has its row.
BREAKDOWN_UNUSED = ("ttv_s", "ttfr_s")


@dataclass(frozen=True)
class UnitIkm:
    agency_id: str
    unit_id: str
    ikm: float | None
    grade: str
    respondents: int


@dataclass(frozen=True)
class Dashboard:
    indicators: IndicatorsResult
    volume: dict[str, dict[str, int]]  # sub-period start -> {filed, resolved}
    ttr_histogram: dict[int, int]  # working days -> first resolutions
    by_category: BreakdownResult  # its DASHBOARD_BREAKDOWN column only
    units: list[UnitIkm]
    trend: list[tuple[str, dict[str, ind.Value]]]  # the last periods, oldest first


class KpiService:
    def __init__(self, *, runtime: ServiceRuntime, settings: KpiSettings,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.runtime = runtime
        self.settings = settings
        self.now = clock or (lambda: datetime.now(UTC))
        self.calendar = settings.working_calendar()
        self.folder = Folder(calendar=self.calendar, zone=settings.zone)
        #: finished public answers (services/kpi/answers.py), dropped as the projection writes
        self.answers = AnswerCache(max_age_s=settings.public_max_age_s,
                                   max_bytes=settings.public_cache_bytes)

    # -- the projection ------------------------------------------------------------------

    async def project(self, uow: UnitOfWork, event: AnyEvent) -> bool:
        """Fold one event into the projection, in the consumer's unit of work; False when the
        projection already holds it (a duplicate, or counted by a rebuild)."""
        conn = uow.conn
        if not await repository.mark_applied(conn, event.id):
            return False
        state = None
        if isinstance(event.data, ComplaintEvent):
            state = await repository.load_complaint(conn, event.data.complaint_id)
        batch = Batch()
        self.folder.fold(batch, event, state)
        await write_batch(conn, batch)
        if batch.agencies or batch.categories:  # the tree, names or integrity flags
            self.answers.invalidate()
        else:
            self.answers.invalidate({key[2] for key in batch.cells}
                                    | {key[0] for key in batch.skm})
        return True

    @staticmethod
    def reads(tree: AgencyTree, agency_id: str) -> frozenset[str]:
        """The agencies whose figures a public answer of ``agency_id`` shows: its subtree and
        the family its withheld-value check reads (which holds the subtree)."""
        return frozenset(family(tree, agency_id)) | frozenset(tree.subtree(agency_id))

    # -- indicators ----------------------------------------------------------------------

    async def indicators(self, *, agency_id: str, period: str, category_code: str | None = None,
                         unit_id: str | None = None, reader: Principal | None = None,
                         public: bool = False) -> IndicatorsResult:
        """``reader``: the staff caller, whose scope must hold the agency (None: the public,
        who see every agency). ``public``: small sensitive numbers withheld."""
        p = period_of(period)
        async with self.runtime.engine.connect() as conn:
            tree = await self._visible(conn, agency_id, reader)
            if not public:
                return await self._indicators(conn, tree, agency_id, p, category_code, unit_id)
            splits: Splits = {}
            if not category_code and not unit_id:  # read once for the figures and the view
                await read_family(conn, tree, agency_id, comparisons(p), splits)
            result = await self._indicators(conn, tree, agency_id, p, category_code, unit_id,
                                            splits=splits or None)
            return await self._public(conn, tree, result, splits)

    async def _visible(self, conn: AsyncConnection, agency_id: str,
                       reader: Principal | None) -> AgencyTree:
        """The agency tree, read once; ``AgencyNotFound`` unless the catalogue or the data
        knows the agency, then 403 unless ``reader`` (when given) may see it."""
        tree = await AgencyTree.load(conn)
        if agency_id not in tree.agencies and not await repository.has_data(conn, agency_id):
            raise AgencyNotFound(agency_id)
        if reader is not None:
            authorize_read(reader, tree, agency_id)
        return tree

    async def _indicators(self, conn: AsyncConnection, tree: AgencyTree, agency_id: str,
                          p: Period, category_code: str | None, unit_id: str | None, *,
                          read: Sequence[Figures] | None = None,
                          splits: Splits | None = None) -> IndicatorsResult:
        """``read``: the figures of ``p``, ``p.previous()`` and ``p.year_before()`` when the
        caller read them already (``comparisons``); ``splits``: the filings of the agency's
        family in those periods, read already (``read_family``), for an agency scope."""
        agencies = tree.subtree(agency_id)
        part = (Slice("category", category_code) if category_code
                else Slice("unit", unit_id) if unit_id else None)
        integrity = tree.integrity_codes()

        async def values(period: Period) -> dict[str, tuple[ind.Value, dict[str, Any]]]:
            fig = await figures.gather(conn, agencies=agencies, period=period,
                                       integrity=integrity, part=part)
            return ind.compute(fig, self.calendar)

        if read is None:
            periods = comparisons(p)
            filed = (None if splits is None or part is not None
                     else [summed(splits, agencies, q) for q in periods])
            read = await figures.gather_many(conn, agencies=agencies, periods=periods,
                                             integrity=integrity, part=part, filed=filed)
        now, prev, year = (ind.compute(fig, self.calendar) for fig in read[:3])
        targets = await self.targets_for(conn)
        lineage = tree.lineage(agency_id)
        baselines: dict[str, dict[str, tuple[ind.Value, dict[str, Any]]]] = {}
        results: list[IndicatorResult] = []
        for spec in ind.INDICATORS:
            value, details = now[spec.code]
            t = applicable(targets, indicator=spec.code, lineage=lineage,
                           category_code=category_code or "", unit_id=unit_id or "")
            target = direction = None
            if t is not None:
                base = None
                if t.mode == "relative" and t.baseline_period:
                    if t.baseline_period not in baselines:
                        baselines[t.baseline_period] = await values(
                            period_of(t.baseline_period, "baseline_period"))
                    raw = baselines[t.baseline_period][spec.code][0]
                    base = float(raw) if raw is not None else None
                target, direction = target_value(t, base), t.direction
            results.append(IndicatorResult(
                code=spec.code, value=value, target=target, direction=direction,
                score=ind.score(_num(value), target, direction or "at_least"),
                previous=prev[spec.code][0], change=ind.change(value, prev[spec.code][0]),
                year_before=year[spec.code][0],
                change_year_before=ind.change(value, year[spec.code][0]),
                missed=ind.misses(_num(value), target, direction or "at_least"),
                details=details))
        scores = [r.score for r in results if r.score is not None]
        overall = round(sum(scores) / len(scores), 4) if scores else None
        return IndicatorsResult(agency_id, p, tuple(agencies), tuple(results), overall, tree,
                                category_code, unit_id)

    async def _public(self, conn: AsyncConnection, tree: AgencyTree, result: IndicatorsResult,
                      splits: Splits | None = None) -> IndicatorsResult:
        """``result`` as the public sees it (``service/privacy.py``)."""
        return await public_view(self, conn, tree, result, splits)

    async def targets_for(self, conn: AsyncConnection) -> list[Target]:
        """Every stored target; the defaults (agency ``*``) are rows too, seeded by migration
        kpi_0003, so what GET /v1/targets lists is exactly what scores."""
        return [Target(r.id, r.agency_id, r.indicator_code, r.value, r.direction, r.mode,
                       r.baseline_period, r.category_code, r.unit_id)
                for r in await repository.list_targets(conn)]

    # -- breakdowns and series -------------------------------------------------------------

    async def breakdown(self, *, agency_id: str, period: str, dimension: str,
                        public: bool, reader: Principal | None = None) -> BreakdownResult:
        p = period_of(period)
        if dimension not in DIMENSIONS:
            raise invalid("by", "invalid_dimension", f"must be one of {', '.join(DIMENSIONS)}")
        async with self.runtime.engine.connect() as conn:
            tree = await self._visible(conn, agency_id, reader)
            return await self._breakdown(conn, tree, agency_id, p, dimension, public)

    async def _breakdown(self, conn: AsyncConnection, tree: AgencyTree, agency_id: str,
                         p: Period, dimension: str, public: bool,
                         columns: Mapping[str, tuple[str, ...]] | None = None,
                         ) -> BreakdownResult:
        """``columns``: only these (each with the measures it reads), else every column of
        ``BREAKDOWN_COLUMNS``; each column is suppressed on its own counts, so a narrower
        breakdown shows what the whole one does in its columns."""
        measures = (None if columns is None
                    else sorted({m for needed in columns.values() for m in needed}))
        parts = await figures.by_value(conn, agencies=tree.subtree(agency_id), period=p,
                                       dim=dimension, integrity=tree.integrity_codes(),
                                       skipped=BREAKDOWN_UNUSED if measures is None else (),
                                       measures=measures)
        codes = BREAKDOWN_COLUMNS if columns is None else {
            code: BREAKDOWN_COLUMNS[code] for code in columns}
        rows: dict[str, dict[str, BreakdownCell]] = {}
        for value, fig in sorted(parts.items()):
            computed = ind.compute(fig, self.calendar)
            rows[value] = {code: BreakdownCell(computed[code][0], _basis(fig, basis), False)
                           for code, basis in codes.items()}
        threshold = self.settings.small_number_threshold if public else None
        if threshold is not None:
            for code in codes:
                hidden = suppress({v: cells[code].count for v, cells in rows.items()}, threshold)
                for v in hidden:
                    rows[v][code] = BreakdownCell(None, 0, True)
        out = []
        for value, cells in rows.items():
            name_id, name_en = _label(tree, dimension, value)
            out.append(BreakdownRow(value, name_id, name_en, cells))
        return BreakdownResult(agency_id, p, dimension, tuple(out), threshold)

    async def series(self, *, agency_id: str, period: str,
                     measures: Sequence[str] = ("filed", "resolved"),
                     reader: Principal | None = None) -> dict[str, dict[str, int]]:
        p = period_of(period)
        unknown = sorted(set(measures) - set(ind.COUNTS))
        if unknown:
            raise invalid("measure", "unknown_measure",
                          f"not a count indicator: {', '.join(unknown)[:200]} (one of "
                          f"{', '.join(ind.COUNTS)})")
        async with self.runtime.engine.connect() as conn:
            tree = await self._visible(conn, agency_id, reader)
            return await figures.series(conn, agencies=tree.subtree(agency_id), period=p,
                                        measures=measures)

    async def _skm_units(self, conn: AsyncConnection, tree: AgencyTree, agency_id: str,
                         p: Period) -> list[UnitIkm]:
        codes = p.survey_codes() or (p.code,)
        by_unit = await repository.skm_by_unit(conn, agencies=tree.subtree(agency_id),
                                               period_codes=codes)
        out = []
        for (agency, unit), tally in sorted(by_unit.items()):
            ikm, extra = ind.ikm_of(tally)
            out.append(UnitIkm(agency, unit, ikm, str(extra.get("grade") or ""),
                               tally.respondents))
        return out

    async def dashboard(self, *, agency_id: str, period: str) -> Dashboard:
        """Everything the public dashboard (and the report) shows of one agency and period, in
        one read: indicators, volume over time, the time-to-resolution histogram, SLA
        compliance per category (suppressed), IKM per unit, and the trend of the last periods."""
        p = period_of(period)
        async with self.runtime.engine.connect() as conn:
            tree = await self._visible(conn, agency_id, None)
            agencies = tree.subtree(agency_id)
            earlier = [p.previous()]
            while len(earlier) < TREND_PERIODS:
                earlier.append(earlier[-1].previous())
            # one read for the period, the year before and the trend's periods; the filings
            # of the agency's family once, for the figures and the public view. The trend's
            # older periods are read lean: neither the duration histograms nor the filings
            # by category and privacy mode, which none of its indicators (TREND_CODES) reads
            shown = comparisons(p)
            periods = [*shown, *earlier[1:]]
            splits: Splits = {}
            await read_family(conn, tree, agency_id, shown, splits)
            lean = len(periods) - len(shown)
            read = await figures.gather_many(
                conn, agencies=agencies, periods=periods, integrity=tree.integrity_codes(),
                filed=[*(summed(splits, agencies, q) for q in shown), *[Split()] * lean],
                skipped=[*[()] * len(shown), *[TREND_UNUSED] * lean])
            result = await self._public(conn, tree, await self._indicators(
                conn, tree, agency_id, p, None, None, read=read), splits)
            volume = await figures.series(conn, agencies=agencies, period=p,
                                          measures=("filed", "resolved"))
            by_category = await self._breakdown(conn, tree, agency_id, p, "category", True,
                                                columns=DASHBOARD_BREAKDOWN)
            units = await self._skm_units(conn, tree, agency_id, p)
        trend: list[tuple[str, dict[str, ind.Value]]] = []
        for q, fig in zip(earlier, [read[1], *read[3:]], strict=True):
            past = ind.compute(fig, self.calendar)
            trend.insert(0, (q.code, {code: past[code][0] for code in TREND_CODES}))
        trend.append((p.code, {i.code: i.value for i in result.indicators
                               if i.code in TREND_CODES}))
        return Dashboard(result, volume, read[0].bins("ttr_wd"), by_category, units, trend)

    async def overview(self, *, period: str) -> list[OverviewRow]:
        """Every agency with data, as a tree walked depth-first (roots first): its headline
        figures for ``period``, in one read (one connection, the tree loaded once)."""
        p = period_of(period)
        rows: list[OverviewRow] = []
        async with self.runtime.engine.connect() as conn:
            tree = await AgencyTree.load(conn)
            known = await repository.agencies_with_data(conn)
            splits: Splits = {}

            async def walk(agency_id: str, depth: int) -> None:
                await read_family(conn, tree, agency_id, comparisons(p), splits)
                result = await self._public(
                    conn, tree, await self._indicators(conn, tree, agency_id, p, None, None,
                                                       splits=splits), splits)
                rows.append(OverviewRow(agency_id, depth, result))
                for child in tree.children.get(agency_id, []):
                    await walk(child, depth + 1)

            for root in tree.roots(known):
                await walk(root, 0)
        return rows

    async def tree(self) -> AgencyTree:
        async with self.runtime.engine.connect() as conn:
            return await AgencyTree.load(conn)

    async def agencies_with_data(self) -> list[str]:
        async with self.runtime.engine.connect() as conn:
            return await repository.agencies_with_data(conn)


TREND_PERIODS = 4  # the dashboard's trend: the periods before the one shown
#: The column of the breakdown by category the dashboard and the report show (SLA compliance
#: per category), and the measures it reads: the only ones read.
DASHBOARD_BREAKDOWN = {"sla_resolution": ("sla_resolution_due", "sla_resolution_met")}
#: The indicators the dashboard's trend holds (its tiles' sparklines). None is sensitive: the
#: sparklines draw no small number that the public view would withhold.
TREND_CODES = ("filed", "resolved_within_5wd", "sla_resolution",
               "time_to_resolution_wd_median", "backlog", "ikm", "rating_mean", "reopen_rate")
#: Measures none of them reads: the trend's older periods are read without them (and without
#: the filings by category and privacy mode).
TREND_UNUSED = ("ttv_wd", "ttv_s", "ttfr_wd", "ttfr_s", "ttr_s")


def comparisons(p: Period) -> list[Period]:
    """What an indicator is shown against: the period, the one before, the year before."""
    return [p, p.previous(), p.year_before()]


def _num(value: ind.Value) -> float | None:
    return None if value is None else float(value)


def _basis(fig: ind.Figures, measure: str) -> int:
    return fig.n(measure)


def _label(tree: AgencyTree, dimension: str, value: str) -> tuple[str, str]:
    if dimension == "category":
        return tree.category_name(value, "id"), tree.category_name(value, "en")
    return value, value
