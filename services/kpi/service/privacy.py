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

#: Filings read already, by (agency, period code), of each agency alone: shared by the calls of
#: one request (the dashboard's index reads each family once).
Splits = dict[tuple[str, str], Split]
V = TypeVar("V")


def family(tree: AgencyTree, agency_id: str) -> list[str]:
    """Whose filings the public view of ``agency_id`` reads: the agency's subtree and, when it
    has a parent, the parent's whole family (which holds that subtree)."""
    parent = tree.info(agency_id).parent_id
    return tree.subtree(parent if parent is not None else agency_id)


async def read_family(conn: AsyncConnection, tree: AgencyTree, agency_id: str,
                      periods: Sequence[Period], memo: Splits) -> None:
    """The filings of each agency of ``family(tree, agency_id)`` (one by one) in each of
    ``periods``, into ``memo``: one statement for those not read yet."""
    agencies = family(tree, agency_id)
    missing = [q for q in periods if any((a, q.code) not in memo for a in agencies)]
    if not missing:
        return
    by: dict[tuple[str, str], dict[str, dict[str, int]]] = {
        (a, q.code): {"category": {}, "privacy": {}} for a in agencies for q in missing}
    for i, agency, dim, value, n in await repository.read_filed_by_many(
            conn, agencies=agencies, spans=[figures.span_of(q) for q in missing],
            dims=("category", "privacy"), per_agency=True):
        cell = by[(agency, missing[int(i)].code)][dim]
        cell[value] = cell.get(value, 0) + int(n)
    memo.update({key: Split(d["category"], d["privacy"]) for key, d in by.items()})


def summed(memo: Splits, agencies: Sequence[str], period: Period) -> Split:
    """The filings of ``agencies`` together in ``period`` (each read into ``memo``)."""
    category: dict[str, int] = {}
    privacy: dict[str, int] = {}
    for a in agencies:
        split = memo[(a, period.code)]
        for into, values in ((category, split.by_category), (privacy, split.by_privacy)):
            for key, n in values.items():
                into[key] = into.get(key, 0) + n
    return Split(category, privacy)


async def public_view(service: KpiService, conn: AsyncConnection, tree: AgencyTree,
                      result: IndicatorsResult, splits: Splits | None = None,
                      ) -> IndicatorsResult:
    """``result`` with its sensitive indicators withheld in the period, the previous one, the
    year before and a relative target's baseline period; the overall score is the mean of the
    scores still shown. ``splits``: the filings read already (``read_family``)."""
    memo: Splits = {} if splits is None else splits
    threshold = service.settings.small_number_threshold
    integrity = tree.integrity_codes()
    agency_id = result.agency_id
    parent = tree.info(agency_id).parent_id
    p = result.period
    shown = [p, p.previous(), p.year_before()]

    async def kinds(periods: Sequence[Period]) -> list[frozenset[str]]:
        # the agency and, when it has a parent, the parent's whole family: in one read
        await read_family(conn, tree, agency_id, periods, memo)
        own = [summed(memo, tree.subtree(agency_id), q) for q in periods]
        families: list[dict[str, Split] | None] = [None] * len(periods)
        if parent is not None:
            members = {OWN: [parent], **{c: tree.subtree(c) for c in tree.children.get(parent, [])}}
            families = [{m: summed(memo, agencies, q) for m, agencies in members.items()}
                        for q in periods]
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
