"""Use cases of survey owners: create surveys, open periods, set populations, close periods,
change a custom questionnaire; and reading surveys back (public).

Only an admin or supervisor (checked by the route) of the survey's agency (checked here,
``rules.may_manage``) may change a survey. Each use case answers the survey as it is after the
change, read in the same unit of work.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from services.surveys import errors, repository
from services.surveys.domain import custom, rules
from services.surveys.domain.ikm import Grade, IncompleteTally, compute_ikm
from services.surveys.domain.periods import span as period_span
from services.surveys.domain.skm import InvalidSurveyInput
from services.surveys.schemas import ItemIn, SurveyCreate
from services.surveys.service.base import (
    ReadOnly,
    ServiceBase,
    Unit,
    load_period,
    load_survey,
)
from services.surveys.service.results import counted_tallies
from shared.auth import Principal
from shared.events.surveys import SurveyKind, SurveyPeriodClosed
from shared.types import AnyRow
from shared.uow import UnitOfWork

GRADES: dict[Grade, Literal["A", "B", "C", "D"]] = {
    Grade.A: "A", Grade.B: "B", Grade.C: "C", Grade.D: "D"}
KEYS = uuid.UUID("5f0c7c1a-2d43-5b8e-a1f0-5375617261bb")  # namespace of idempotency keys


@dataclass(frozen=True, slots=True)
class PeriodView:
    code: str
    starts_on: date
    ends_on: date  # exclusive
    population: int | None
    closed_at: datetime | None


@dataclass(frozen=True, slots=True)
class SurveyView:
    """A survey as its readers see it: its periods and, for a custom one, its items."""

    id: str
    agency_id: str
    unit_id: str | None
    service_id: str | None
    kind: str
    purpose: str
    title: str
    version: int
    created_at: datetime
    periods: tuple[PeriodView, ...]
    items: list[dict[str, Any]] | None  # custom: the current version's


@dataclass(frozen=True, slots=True)
class SurveyCreated:
    survey: SurveyView
    created: bool  # False: a retry with the same Idempotency-Key found it


def _view(survey: AnyRow, periods: Sequence[AnyRow],
          items: list[dict[str, Any]] | None) -> SurveyView:
    return SurveyView(
        id=survey.id, agency_id=survey.agency_id, unit_id=survey.unit_id,
        service_id=survey.service_id, kind=survey.kind, purpose=survey.purpose,
        title=survey.title, version=survey.version, created_at=survey.created_at,
        periods=tuple(PeriodView(p.code, p.starts_on, p.ends_on, p.population, p.closed_at)
                      for p in periods),
        items=items if survey.kind == "custom" else None)


async def survey_view(unit: Unit, survey_id: str) -> SurveyView:
    survey = await load_survey(unit, survey_id)
    periods = await repository.periods_of(unit.conn, survey_id)
    items = None
    if survey.kind == "custom":
        items = await repository.version_items(unit.conn, survey_id, survey.version)
    return _view(survey, periods, items)


def authorize(principal: Principal, agency_id: str) -> None:
    if not rules.may_manage(principal.agency_id, agency_id):
        raise errors.forbidden_agency()


def questionnaire(items_in: Sequence[ItemIn] | None) -> list[dict[str, Any]]:
    """Checked items as stored; 422 naming ``items.<i>.<field>`` for a wrong definition."""
    if not items_in:
        raise errors.invalid_field("items", "a custom survey needs its items",
                                   "items_required", code="invalid_survey")
    items = [custom.Item(code=i.code, type=i.type, text_id=i.text_id, text_en=i.text_en,
                         required=i.required, points=i.points,
                         options=tuple(custom.Option(o.code, o.label_id, o.label_en)
                                       for o in i.options)) for i in items_in]
    try:
        custom.check_questionnaire(items)
    except InvalidSurveyInput as exc:
        raise errors.from_domain(exc, code="invalid_survey") from None
    return [i.as_dict() for i in items]


async def add_period(uow: UnitOfWork, *, survey_id: str, code: str, population: int | None,
                     now: datetime) -> AnyRow:
    """A new period; 409 naming ``code`` if it overlaps one of the survey's periods."""
    try:
        new = period_span(code, field="code")
    except InvalidSurveyInput as exc:
        raise errors.from_domain(exc) from None
    for existing in await repository.periods_of(uow.conn, survey_id):
        if new.overlaps(period_span(existing.code)):
            raise errors.conflict("code", f"{code} overlaps period {existing.code} of this "
                                  "survey", "period_overlap",
                                  {"code": code, "other": existing.code})
    await repository.insert_period(uow.conn, {
        "id": str(uuid.uuid4()), "survey_id": survey_id, "code": code,
        "starts_on": new.starts_on, "ends_on": new.ends_on, "population": population,
        "created_at": now})
    period = await repository.get_period(uow.conn, survey_id, code)
    assert period is not None
    return period


class ManagementUseCases(ServiceBase):
    async def create_survey(self, *, principal: Principal, survey: SurveyCreate,
                            idempotency_key: str | None = None) -> SurveyCreated:
        """A new survey. With an ``Idempotency-Key`` its id derives from the key (per agency
        and caller): a retry returns the survey created first (``created`` False), and the
        same key with another body is a 409."""
        agency_id = survey.agency_id or principal.agency_id
        if agency_id is None:
            raise errors.invalid_field("agency_id", "required: the token names no agency",
                                       "agency_required", code="invalid_survey")
        authorize(principal, agency_id)
        try:
            rules.check_definition(kind=survey.kind, purpose=survey.purpose,
                                   has_items=survey.items is not None,
                                   has_unit=survey.unit_id is not None)
        except InvalidSurveyInput as exc:
            raise errors.from_domain(exc, code="invalid_survey") from None
        items = questionnaire(survey.items) if survey.kind == "custom" else None
        survey_id = str(uuid.uuid4())
        if idempotency_key is not None:
            survey_id = str(uuid.uuid5(KEYS, f"{agency_id}\n{principal.subject}\n"
                                             f"{idempotency_key}"))
        now = self.clock()
        fields = {"agency_id": agency_id, "unit_id": survey.unit_id,
                  "service_id": survey.service_id, "kind": survey.kind,
                  "purpose": survey.purpose, "title": survey.title}
        async with self._writing() as uow:
            created = await repository.insert_survey(
                uow.conn, {"id": survey_id, "version": 1, "created_at": now, **fields})
            if created:
                if items is not None:
                    await repository.add_version(uow.conn, survey_id, 1, items, now)
            else:
                existing = await load_survey(uow, survey_id)
                same = all(getattr(existing, k) == v for k, v in fields.items()) and (
                    items is None
                    or await repository.version_items(uow.conn, survey_id, 1) == items)
                if not same:
                    raise errors.conflict("Idempotency-Key", "this key was used for another "
                                          "survey", "idempotency_key_reused")
            return SurveyCreated(await survey_view(uow, survey_id), created)

    async def get_survey(self, *, survey_id: str) -> SurveyView:
        async with self._reading() as unit:
            return await survey_view(unit, survey_id)

    async def list_surveys(self, *, agency_id: str | None,
                           unit_id: str | None) -> list[SurveyView]:
        """At most 1000 surveys, oldest first, with their periods (three queries in all)."""
        async with self._reading() as unit:
            rows = await repository.list_surveys(unit.conn, agency_id=agency_id,
                                                 unit_id=unit_id)
            periods = await repository.periods_of_many(unit.conn, [r.id for r in rows])
            items = await repository.current_items(
                unit.conn, [(r.id, r.version) for r in rows if r.kind == "custom"])
        return [_view(r, periods.get(r.id, []), items.get(r.id)) for r in rows]

    async def open_period(self, *, principal: Principal, survey_id: str, code: str,
                          population: int | None) -> SurveyView:
        async with self._writing() as uow:
            survey = await load_survey(uow, survey_id, lock=True)
            authorize(principal, survey.agency_id)
            await add_period(uow, survey_id=survey_id, code=code, population=population,
                             now=self.clock())
            return await survey_view(uow, survey_id)

    async def set_population(self, *, principal: Principal, survey_id: str, code: str,
                             population: int) -> SurveyView:
        async with self._writing() as uow:
            survey = await load_survey(uow, survey_id)
            authorize(principal, survey.agency_id)
            period = await load_period(uow, survey_id, code)
            await repository.set_population(uow.conn, period.id, population)
            return await survey_view(uow, survey_id)

    async def close_period(self, *, principal: Principal, survey_id: str,
                           code: str) -> SurveyView:
        """Close a period (no more responses count for it) and publish its final IKM."""
        async with self._writing() as uow:
            survey = await load_survey(uow, survey_id, lock=True)
            authorize(principal, survey.agency_id)
            period = await load_period(uow, survey_id, code)
            now = self.clock()
            if not await repository.close_period(uow.conn, period.id, now):
                raise errors.conflict("period", f"period {code} is already closed",
                                      "period_closed", {"period": code})
            ikm: float | None = None
            grade: Literal["A", "B", "C", "D"] | None = None
            if survey.kind == "skm":
                tally = (await counted_tallies(ReadOnly(uow.conn),
                                               period_ids=[period.id]))[None]
                count = tally.respondents
                try:
                    result = compute_ikm(tally)
                    ikm, grade = float(result.ikm_rounded), GRADES[result.grade]
                except IncompleteTally:
                    pass
            else:
                count = await repository.custom_respondents(uow.conn, period.id)
            uow.publish(SurveyPeriodClosed(
                survey_id=survey.id, survey_version=survey.version,
                kind=SurveyKind(survey.kind), agency_id=survey.agency_id,
                unit_id=survey.unit_id, period=code, response_count=count, ikm=ikm,
                grade=grade, occurred_at=now))
            return await survey_view(uow, survey_id)

    async def change_questionnaire(self, *, principal: Principal, survey_id: str,
                                   items: Sequence[ItemIn]) -> SurveyView:
        """A changed questionnaire becomes the next version (earlier responses keep theirs);
        the same one again changes nothing."""
        async with self._writing() as uow:
            survey = await load_survey(uow, survey_id, lock=True)
            authorize(principal, survey.agency_id)
            if survey.kind != "custom":
                raise errors.invalid_field("survey_id", "the SKM questionnaire is fixed by "
                                           "regulation", "skm_fixed", code="invalid_survey")
            stored = questionnaire(items)
            current = await repository.version_items(uow.conn, survey.id, survey.version)
            if current != stored:
                await repository.add_version(uow.conn, survey.id, survey.version + 1, stored,
                                             self.clock())
            return await survey_view(uow, survey_id)
