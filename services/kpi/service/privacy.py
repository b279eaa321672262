"""The public face of an agency's indicators: the sensitive ones withheld where their count is
small or could be derived (the rules: ``domain/suppression.py``, docs/kpi.md "Privacy of small
numbers"). Reads only the filings by category and privacy mode of the agency, its parent and
the parent's children, for each period shown; the supervisors' API never comes here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

from services.kpi import figures, repository
from services.kpi.domain.periods import Period, parse_period
from services.kpi.domain.suppression import (
    OWN,
    SENSITIVE,
    Split,
    withheld_fields,
    withheld_kinds,
)
from services.kpi.domain.targets import applicable
from services.kpi.scope import AgencyTree

if TYPE_CHECKING:
    from services.kpi.service.indicators import IndicatorResult, IndicatorsResult, KpiService

#: Filings read already, by (agencies, period code): shared by the calls of one request (the
#: dashboard's index reads each agency's family once).
Splits = dict[tuple[tuple[str, ...], str], Split]
V = TypeVar("V")


async def public_view(service: KpiService, conn: AsyncConnection, tree: AgencyTree,
                      result: IndicatorsResult, splits: Splits | None = None,
                      ) -> IndicatorsResult:
    """``result`` with its sensitive indicators withheld in the period, the previous one, the
    year before and a relative target's baseline period; the overall score is the mean of the
    scores still shown."""
    memo: Splits = {} if splits is None else splits
    threshold = service.settings.small_number_threshold
    integrity = tree.integrity_codes()
    agency_id = result.agency_id
    parent = tree.info(agency_id).parent_id
    p = result.period
    shown = [p, p.previous(), p.year_before()]

    async def read(agencies: Sequence[str], periods: Sequence[Period]) -> list[Split]:
        """The filings of ``agencies`` in each of ``periods``: one statement for those not
        read yet."""
        missing = [q for q in periods if (tuple(agencies), q.code) not in memo]
        if missing:
            by: list[dict[str, dict[str, int]]] = [{"category": {}, "privacy": {}}
                                                   for _ in missing]
            for r in await repository.read_filed_by_many(
                    conn, agencies=agencies, spans=[figures.span_of(q) for q in missing],
                    dims=("category", "privacy")):
                cell = by[int(r.i)][r.dim]
                cell[r.value] = cell.get(r.value, 0) + int(r.n)
            for q, split in zip(missing, by, strict=True):
                memo[(tuple(agencies), q.code)] = Split(split["category"], split["privacy"])
        return [memo[(tuple(agencies), q.code)] for q in periods]

    async def kinds(periods: Sequence[Period]) -> list[frozenset[str]]:
        own = await read(tree.subtree(agency_id), periods)
        families: list[dict[str, Split] | None] = [None] * len(periods)
        if parent is not None:
            members = {OWN: [parent], **{c: tree.subtree(c) for c in tree.children.get(parent, [])}}
            splits_of = {m: await read(agencies, periods) for m, agencies in members.items()}
            families = [{m: splits_of[m][k] for m in members} for k in range(len(periods))]
        return [withheld_kinds(own[k], integrity=integrity, threshold=threshold,
                               family=families[k], member=agency_id)
                for k in range(len(periods))]

    now, prev, year = await kinds(shown)
    targeted = any(i.target is not None for i in result.indicators if i.code in SENSITIVE)
    targets = await service.targets_for(conn) if targeted else []
    lineage = tree.lineage(agency_id)
    out: list[IndicatorResult] = []
    for i in result.indicators:
        base: frozenset[str] = frozenset()
        t = (applicable(targets, indicator=i.code, lineage=lineage)
             if i.code in SENSITIVE and i.target is not None else None)
        if t is not None and t.mode == "relative" and t.baseline_period:
            base = (await kinds([parse_period(t.baseline_period)]))[0]
        gone = withheld_fields(i.code, now=now, previous=prev, year_before=year,
                               baseline=base).fields
        out.append(_without(i, gone) if gone else i)
    scores = [r.score for r in out if r.score is not None]
    overall = round(sum(scores) / len(scores), 4) if scores else None
    return replace(result, indicators=tuple(out), overall_score=overall)


def _without(i: IndicatorResult, gone: tuple[str, ...]) -> IndicatorResult:
    """``i`` with the fields ``gone`` set to None (and nothing computed from them left)."""

    def keep(name: str, value: V) -> V | None:
        return None if name in gone else value

    return replace(
        i, value=keep("value", i.value), target=keep("target", i.target),
        score=keep("score", i.score), previous=keep("previous", i.previous),
        change=keep("change", i.change), year_before=keep("year_before", i.year_before),
        change_year_before=keep("change_year_before", i.change_year_before),
        missed=i.missed and "score" not in gone,
        details={} if "value" in gone else i.details, withheld=gone)
