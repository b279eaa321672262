"""Results from the stored tallies (public). No rescan of answers.

A result is asked for a calendar span by its code (``2026``, ``2026-H1``, ``2026-Q2``,
``2026-05``), and a scope is the set of periods that make up that span exactly: the survey's
period of that code, or the periods inside it end to end (the year from its quarters or its
months), without opening an overlapping period; for a unit (or agency), those of every
general SKM survey of the unit that has them. Their tallies are summed (exactly the IKM of
all their responses together, never an average of IKMs), optionally for one service and per
segment. The use cases answer counts (``SkmResults``, ``ItemResults``); ``views`` turns them
into JSON, CSV and PDF.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import groupby

from services.surveys import errors, repository
from services.surveys.domain import bursts, custom
from services.surveys.domain.ikm import SkmTally
from services.surveys.domain.periods import PeriodSpan, span, tiling
from services.surveys.domain.profile import SEGMENTS
from services.surveys.domain.skm import Choice, InvalidSurveyInput, SampleCheck, check_sample
from services.surveys.service.base import ReadOnly, ServiceBase, load_period, load_survey
from shared.types import AnyRow

#: The segments a result can be broken down by (the respondent profile's parts).
PROFILE_SEGMENTS = ("age_band", "sex", "education", "occupation")


@dataclass(frozen=True, slots=True)
class Scope:
    agency_id: str
    unit_id: str | None
    period: str  # the span asked for
    period_ids: tuple[str, ...]
    populations: tuple[int | None, ...]
    survey_id: str | None = None
    service_id: str | None = None
    periods: tuple[str, ...] = ()  # the codes of the periods summed, in date order

    @property
    def population(self) -> int | None:
        """Known only if every period of the scope has one (then their sum)."""
        if not self.populations or any(p is None for p in self.populations):
            return None
        return sum(p for p in self.populations if p is not None)


@dataclass(frozen=True, slots=True)
class Segment:
    value: str  # a profile code, or "" for respondents who left it out
    choice: Choice | None  # its labels (None for "")


@dataclass(frozen=True, slots=True)
class BurstSummary:
    """The scope's flagged bursts: how many and their answers, how many the owner excluded
    (already out of the result), and the tally without any flagged burst."""

    flagged: int
    flagged_responses: int
    excluded: int
    excluded_responses: int
    without_flagged: SkmTally


@dataclass(frozen=True, slots=True)
class SkmResults:
    scope: Scope
    total: SkmTally  # without the excluded bursts
    sample: SampleCheck | None
    by: str | None
    segments: tuple[tuple[Segment, SkmTally], ...]  # in the profile's order, "" last
    bursts: BurstSummary | None = None


@dataclass(frozen=True, slots=True)
class SkmReport:
    """What the printable report shows: the total and the profile, per segment kind, and
    the names of the agency and unit when the catalogue has them (Indonesian, English)."""

    title: str
    results: SkmResults
    profile: dict[str, SkmResults]
    generated_at: datetime
    names: dict[str, tuple[str, str]] = field(default_factory=dict)


Counts = dict[tuple[str, str], int]  # (item, value) -> answers; ("", "") -> respondents


@dataclass(frozen=True, slots=True)
class ItemResults:
    survey_id: str
    version: int
    period: str
    periods: tuple[str, ...]  # the periods summed
    service_id: str | None
    items: tuple[custom.Item, ...]
    total: Counts
    by: str | None
    segments: tuple[tuple[Segment, Counts], ...]


def _segments(by: str, found: dict[str | None, object]) -> list[Segment]:
    labels = {c.code: c for c in SEGMENTS[by]}
    return [Segment(value, labels.get(value)) for value in [*labels, ""] if value in found]


def _target(code: str) -> PeriodSpan:
    try:
        return span(code)
    except InvalidSurveyInput as exc:
        raise errors.from_domain(exc) from None


def _made_of(target: PeriodSpan, rows: Sequence[AnyRow]) -> list[AnyRow] | None:
    """The rows of the periods that make up ``target`` exactly (``periods.tiling``)."""
    by_code = {r.code: r for r in rows}
    tiles = tiling(target, [span(r.code) for r in rows])
    return None if tiles is None else [by_code[t.code] for t in tiles]


async def survey_periods_for(unit: ReadOnly, survey_id: str, code: str) -> list[AnyRow]:
    """The survey's periods that make up the span ``code``; 404 naming ``period`` if none
    is in it, or if those in it leave days out."""
    target = _target(code)
    rows = await repository.periods_between(unit.conn, survey_id, target.starts_on,
                                            target.ends_on)
    chosen = _made_of(target, rows)
    if chosen is not None:
        return chosen
    if not rows:
        await load_period(unit, survey_id, code)  # raises period_not_found
    have = ", ".join(r.code for r in rows)
    raise errors.not_found("period", f"{code} is not made of this survey's periods (it has "
                           f"{have})", "period_not_covered", {"period": code, "periods": have})


def _survey_scope(survey: AnyRow, periods: Sequence[AnyRow], code: str,
                  service_id: str | None) -> Scope:
    """A survey's scope: its own service unless another is asked for (none can match)."""
    return Scope(survey.agency_id, survey.unit_id, code, tuple(p.id for p in periods),
                 tuple(p.population for p in periods), survey_id=survey.id,
                 service_id=service_id or survey.service_id,
                 periods=tuple(p.code for p in periods))


async def _skm_scope(unit: ReadOnly, survey_id: str, period: str,
                     service_id: str | None) -> tuple[AnyRow, Scope]:
    survey = await load_survey(unit, survey_id)
    if survey.kind != "skm":
        raise errors.invalid_field("survey_id", "a custom survey has no IKM: see "
                                   f"/v1/surveys/{survey_id}/items/results", "not_skm",
                                   code="not_skm", params={"survey_id": survey_id})
    periods = await survey_periods_for(unit, survey_id, period)
    return survey, _survey_scope(survey, periods, period, service_id)


async def _unit_scope(unit: ReadOnly, *, agency_id: str, unit_id: str | None, period: str,
                      service_id: str | None) -> Scope:
    """Every general SKM survey of the unit (of the whole agency when ``unit_id`` is None)
    whose periods make up the span ``period``. Post-complaint surveys are left out: they
    rate complaint handling, not a unit's services."""
    target = _target(period)
    rows = await repository.unit_periods_between(
        unit.conn, agency_id=agency_id, unit_id=unit_id, starts_on=target.starts_on,
        ends_on=target.ends_on)
    chosen: list[AnyRow] = []
    for _, of_survey in groupby(rows, key=lambda r: r.survey_id):
        chosen += _made_of(target, list(of_survey)) or []
    return Scope(agency_id, unit_id, period, tuple(r.id for r in chosen),
                 tuple(r.population for r in chosen), service_id=service_id,
                 periods=tuple(sorted({r.code for r in chosen}, key=lambda c: span(c).starts_on)))


async def counted_tallies(unit: ReadOnly, *, period_ids: Sequence[str],
                          service_id: str | None = None,
                          by: str | None = None) -> dict[str | None, SkmTally]:
    """The stored tallies without the bursts the owner excluded (what results count)."""
    tallies = await repository.read_tallies(unit.conn, period_ids=period_ids,
                                            service_id=service_id, by=by)
    excluded = await repository.read_burst_tallies(unit.conn, period_ids=period_ids,
                                                   service_id=service_id, by=by,
                                                   excluded_only=True)
    counted = {k: bursts.subtract(t, excluded[k]) if k in excluded else t
               for k, t in tallies.items()}
    return {k: t for k, t in counted.items() if k is None or t.respondents}  # no empty segment


async def _bursts(unit: ReadOnly, scope: Scope, total: SkmTally) -> BurstSummary:
    flagged, excluded = await repository.burst_counts(unit.conn, scope.period_ids)
    if not flagged:
        return BurstSummary(0, 0, 0, 0, total)
    every, left_out = [(await repository.read_burst_tallies(
        unit.conn, period_ids=scope.period_ids, service_id=scope.service_id,
        excluded_only=only))[None] for only in (False, True)]
    # total has the excluded ones out already: take out the flagged ones still counted
    return BurstSummary(flagged, every.respondents, excluded, left_out.respondents,
                        bursts.subtract(total, bursts.subtract(every, left_out)))


async def _compute(unit: ReadOnly, scope: Scope, by: str | None) -> SkmResults:
    total = SkmTally()
    if scope.period_ids:
        total = (await counted_tallies(unit, period_ids=scope.period_ids,
                                       service_id=scope.service_id))[None]
    population = scope.population
    sample = check_sample(population, total.respondents) if population is not None else None
    segments: list[tuple[Segment, SkmTally]] = []
    if by is not None and scope.period_ids:
        tallies = await counted_tallies(unit, period_ids=scope.period_ids,
                                        service_id=scope.service_id, by=by)
        segments = [(s, tallies[s.value]) for s in _segments(by, dict(tallies))]
    summary = await _bursts(unit, scope, total) if scope.period_ids else None
    return SkmResults(scope, total, sample, by, tuple(segments), summary)


async def _report(unit: ReadOnly, scope: Scope, title: str, now: datetime) -> SkmReport:
    known = await repository.agency_names(unit.conn, [scope.agency_id, scope.unit_id or ""])
    return SkmReport(title=title, results=await _compute(unit, scope, None),
                     profile={by: await _compute(unit, scope, by) for by in PROFILE_SEGMENTS},
                     generated_at=now,
                     names={k: (r.name_id, r.name_en) for k, r in known.items()})


class ResultsUseCases(ServiceBase):
    async def survey_results(self, *, survey_id: str, period: str, service_id: str | None,
                             by: str | None) -> SkmResults:
        async with self._reading() as unit:
            _, scope = await _skm_scope(unit, survey_id, period, service_id)
            return await _compute(unit, scope, by)

    async def unit_results(self, *, agency_id: str, unit_id: str | None, period: str,
                           service_id: str | None, by: str | None) -> SkmResults:
        """A unit's result (``unit_id`` None: the whole agency's)."""
        async with self._reading() as unit:
            scope = await _unit_scope(unit, agency_id=agency_id, unit_id=unit_id,
                                      period=period, service_id=service_id)
            return await _compute(unit, scope, by)

    async def survey_report(self, *, survey_id: str, period: str,
                            service_id: str | None) -> SkmReport:
        async with self._reading() as unit:
            survey, scope = await _skm_scope(unit, survey_id, period, service_id)
            return await _report(unit, scope, survey.title, self.clock())

    async def unit_report(self, *, agency_id: str, unit_id: str, period: str,
                          service_id: str | None) -> SkmReport:
        async with self._reading() as unit:
            scope = await _unit_scope(unit, agency_id=agency_id, unit_id=unit_id,
                                      period=period, service_id=service_id)
            return await _report(unit, scope, f"Unit pelayanan / service unit {unit_id}",
                                 self.clock())

    async def item_results(self, *, survey_id: str, period: str, version: int | None,
                           service_id: str | None, by: str | None) -> ItemResults:
        """Per item of a custom survey's version (default: the current one): answers and
        distribution; Likert items also the mean and the 0..100 satisfaction score."""
        async with self._reading() as unit:
            survey = await load_survey(unit, survey_id)
            if survey.kind != "custom":
                raise errors.invalid_field("survey_id", "an SKM survey's results are at "
                                           f"/v1/surveys/{survey_id}/results", "not_custom",
                                           code="not_custom", params={"survey_id": survey_id})
            periods = await survey_periods_for(unit, survey_id, period)
            period_ids = [p.id for p in periods]
            service_id = service_id or survey.service_id
            version = version or survey.version
            stored = await repository.version_items(unit.conn, survey.id, version)
            if stored is None:
                raise errors.invalid_field("version", f"this survey has no version {version}",
                                           "no_such_version", params={"version": version})
            total = (await repository.read_item_tallies(
                unit.conn, period_ids=period_ids, version=version,
                service_id=service_id)).get(None, {})
            segments: list[tuple[Segment, Counts]] = []
            if by is not None:
                parts = await repository.read_item_tallies(
                    unit.conn, period_ids=period_ids, version=version,
                    service_id=service_id, by=by)
                segments = [(s, parts[s.value]) for s in _segments(by, dict(parts))]
        return ItemResults(survey_id=survey.id, version=version, period=period,
                           periods=tuple(p.code for p in periods), service_id=service_id,
                           items=tuple(custom.item_from_dict(d) for d in stored), total=total,
                           by=by, segments=tuple(segments))
