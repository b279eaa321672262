"""Closing ended periods: every missed target publishes kpi.target_missed.v1 exactly once.

A period of a closable kind (month, quarter, half, year) is evaluated once its end is
``close_grace_days`` behind (late offline filings still arrive meanwhile). One unit of work per
period: for each agency and target, the indicator is computed from the projection; a miss is
*claimed* as a row of ``kpi_target_misses`` (primary key: agency, indicator, category, unit,
period) and only a claim that inserted writes the event to the outbox, in the same transaction.
Two replicas closing at once, a restart, a replay or a rebuild therefore publish nothing twice:
the second claim finds the row (on PostgreSQL it waits for the first transaction, then finds it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from services.kpi import repository
from services.kpi.domain.indicators import BY_CODE
from services.kpi.domain.periods import CLOSABLE_KINDS, Period, period_containing
from services.kpi.scope import AgencyTree
from services.kpi.service.indicators import KpiService
from shared.events import KpiTargetMissed
from shared.uow import UnitOfWork

MEASURES = {"count": "count", "percent": "percent", "working_days": "days", "hours": "hours",
            "index": "index", "score": "index"}


@dataclass(frozen=True)
class Closed:
    period: str
    published: int
    already_closed: bool


def ready_periods(service: KpiService, now: datetime) -> list[Period]:
    """Every period of a closable kind whose grace period is over and which ended within
    ``close_lookback_days`` of the latest such one, oldest first: a period that ended while
    the service was down is closed when it comes back, not skipped (each is closed once;
    an already closed one costs one lookup)."""
    day = now.astimezone(service.settings.zone).date() - timedelta(
        days=service.settings.close_grace_days)
    oldest_end = day - timedelta(days=service.settings.close_lookback_days)
    out: list[Period] = []
    for kind in CLOSABLE_KINDS:
        period = period_containing(kind, day).previous()
        kind_periods = []
        while period.end > oldest_end:
            kind_periods.append(period)
            period = period.previous()
        out += reversed(kind_periods)
    return sorted(out, key=lambda p: (p.end, p.start))


async def close_period(service: KpiService, period: Period, *, force: bool = False) -> Closed:
    """Evaluate ``period``'s targets for every agency (one unit of work)."""
    now = service.now()
    published = 0
    async with service.runtime.unit_of_work() as uow:
        if not force and await repository.period_closed(uow.conn, period.code):
            return Closed(period.code, 0, already_closed=True)
        tree = await AgencyTree.load(uow.conn)
        agencies = sorted((set(tree.agencies) | set(await repository.agencies_with_data(
            uow.conn))) - {"*"})
        scoped = {(t.category_code, t.unit_id) for t in await service.targets_for(uow.conn)
                  if t.category_code or t.unit_id}
        for agency in agencies:
            for category, unit in [("", ""), *sorted(scoped)]:
                result = await service._indicators(uow.conn, tree, agency, period,
                                                   category or None, unit or None)
                for ind in result.indicators:
                    if ind.missed and ind.target is not None and ind.value is not None:
                        published += await _publish(uow, agency, period, category, unit,
                                                    ind.code, float(ind.value), ind.target,
                                                    ind.direction or "at_least", now)
        await repository.mark_period_closed(uow.conn, period.code, now)
    return Closed(period.code, published, already_closed=False)


async def _publish(uow: UnitOfWork, agency: str, period: Period, category: str, unit: str,
                   code: str, value: float, target: float, comparison: str,
                   now: datetime) -> int:
    claimed = await repository.claim_miss(uow.conn, {
        "agency_id": agency, "indicator_code": code, "category_code": category,
        "unit_id": unit, "period": period.code, "value": value, "target": target,
        "published_at": now})
    if not claimed:
        return 0
    uow.publish(KpiTargetMissed(
        agency_id=agency, indicator_code=code, period=period.code, unit_id=unit or None,
        category_code=category or None, value=value, target=target,
        comparison=comparison,  # type: ignore[arg-type]
        measure=MEASURES[BY_CODE[code].unit],  # type: ignore[arg-type]
        occurred_at=now))
    return 1


async def close_ready(service: KpiService) -> list[Closed]:
    return [await close_period(service, p) for p in ready_periods(service, service.now())]
