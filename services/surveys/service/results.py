"""Results from the stored tallies (public). No rescan of answers.

A scope is a set of periods: one survey's period, or the periods of that code of every
general SKM survey of a unit (or agency). Their tallies are summed (exactly the IKM of all
their responses together, never an average of IKMs), optionally for one service and per
segment. The use cases answer counts (``SkmResults``, ``ItemResults``); ``views`` turns them
into JSON, CSV and PDF.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.surveys import errors, repository
from services.surveys.domain import custom
from services.surveys.domain.ikm import SkmTally
from services.surveys.domain.profile import SEGMENTS
from services.surveys.domain.skm import Choice, SampleCheck, check_sample
from services.surveys.service.base import ReadOnly, ServiceBase, load_period, load_survey
from shared.types import AnyRow

#: The segments a result can be broken down by (the respondent profile's parts).
PROFILE_SEGMENTS = ("age_band", "sex", "education", "occupation")


@dataclass(frozen=True, slots=True)
class Scope:
    agency_id: str
    unit_id: str | None
    period: str
    period_ids: tuple[str, ...]
    populations: tuple[int | None, ...]
    survey_id: str | None = None
    service_id: str | None = None

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
class SkmResults:
    scope: Scope
    total: SkmTally
    sample: SampleCheck | None
    by: str | None
    segments: tuple[tuple[Segment, SkmTally], ...]  # in the profile's order, "" last


@dataclass(frozen=True, slots=True)
class SkmReport:
    """What the printable report shows: the total and the profile, per segment kind."""

    title: str
    results: SkmResults
    profile: dict[str, SkmResults]
    generated_at: datetime


Counts = dict[tuple[str, str], int]  # (item, value) -> answers; ("", "") -> respondents


@dataclass(frozen=True, slots=True)
class ItemResults:
    survey_id: str
    version: int
    period: str
    service_id: str | None
    items: tuple[custom.Item, ...]
    total: Counts
    by: str | None
    segments: tuple[tuple[Segment, Counts], ...]


def _segments(by: str, found: dict[str | None, object]) -> list[Segment]:
    labels = {c.code: c for c in SEGMENTS[by]}
    return [Segment(value, labels.get(value)) for value in [*labels, ""] if value in found]


def _survey_scope(survey: AnyRow, period: AnyRow, service_id: str | None) -> Scope:
    return Scope(survey.agency_id, survey.unit_id, period.code, (period.id,),
                 (period.population,), survey_id=survey.id, service_id=service_id)


async def _skm_scope(unit: ReadOnly, survey_id: str, period: str,
                     service_id: str | None) -> tuple[AnyRow, Scope]:
    survey = await load_survey(unit, survey_id)
    if survey.kind != "skm":
        raise errors.invalid_field("survey_id", "a custom survey has no IKM: see "
                                   f"/v1/surveys/{survey_id}/items/results", "not_skm",
                                   code="not_skm", params={"survey_id": survey_id})
    period_row = await load_period(unit, survey_id, period)
    return survey, _survey_scope(survey, period_row, service_id)


async def _unit_scope(unit: ReadOnly, *, agency_id: str, unit_id: str | None, period: str,
                      service_id: str | None) -> Scope:
    """Every general SKM survey of the unit (of the whole agency when ``unit_id`` is None)
    with a period of that code. Post-complaint surveys are left out: they rate complaint
    handling, not a unit's services."""
    rows = await repository.unit_periods(unit.conn, agency_id=agency_id, unit_id=unit_id,
                                         code=period)
    return Scope(agency_id, unit_id, period, tuple(r.id for r in rows),
                 tuple(r.population for r in rows), service_id=service_id)


async def _compute(unit: ReadOnly, scope: Scope, by: str | None) -> SkmResults:
    total = SkmTally()
    if scope.period_ids:
        total = (await repository.read_tallies(unit.conn, period_ids=scope.period_ids,
                                               service_id=scope.service_id))[None]
    population = scope.population
    sample = check_sample(population, total.respondents) if population is not None else None
    segments: list[tuple[Segment, SkmTally]] = []
    if by is not None and scope.period_ids:
        tallies = await repository.read_tallies(unit.conn, period_ids=scope.period_ids,
                                                service_id=scope.service_id, by=by)
        segments = [(s, tallies[s.value]) for s in _segments(by, dict(tallies))]
    return SkmResults(scope, total, sample, by, tuple(segments))


async def _report(unit: ReadOnly, scope: Scope, title: str, now: datetime) -> SkmReport:
    return SkmReport(title=title, results=await _compute(unit, scope, None),
                     profile={by: await _compute(unit, scope, by) for by in PROFILE_SEGMENTS},
                     generated_at=now)


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
            period_row = await load_period(unit, survey_id, period)
            version = version or survey.version
            stored = await repository.version_items(unit.conn, survey.id, version)
            if stored is None:
                raise errors.invalid_field("version", f"this survey has no version {version}",
                                           "no_such_version", params={"version": version})
            total = (await repository.read_item_tallies(
                unit.conn, period_ids=[period_row.id], version=version,
                service_id=service_id)).get(None, {})
            segments: list[tuple[Segment, Counts]] = []
            if by is not None:
                parts = await repository.read_item_tallies(
                    unit.conn, period_ids=[period_row.id], version=version,
                    service_id=service_id, by=by)
                segments = [(s, parts[s.value]) for s in _segments(by, dict(parts))]
        return ItemResults(survey_id=survey.id, version=version, period=period_row.code,
                           service_id=service_id,
                           items=tuple(custom.item_from_dict(d) for d in stored), total=total,
                           by=by, segments=tuple(segments))
