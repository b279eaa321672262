"""Use cases of survey owners: create surveys and periods, set populations, close periods.

Only an admin or supervisor of the survey's agency may change a survey (``authorize``).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import Row, insert

from services.surveys import custom, errors, repository
from services.surveys.ikm import IncompleteTally, compute_ikm
from services.surveys.models import survey_periods
from services.surveys.periods import span as period_span
from services.surveys.repository import ReadOnly
from services.surveys.schemas import ItemIn, PeriodCreate, SurveyCreate
from services.surveys.skm import InvalidSurveyInput
from shared.auth import Principal
from shared.errors import Forbidden, NotFound
from shared.events.surveys import SurveyKind, SurveyPeriodClosed
from shared.uow import UnitOfWork

KEYS = uuid.UUID("5f0c7c1a-2d43-5b8e-a1f0-5375617261bb")  # namespace of idempotency keys
POST_COMPLAINT_TITLE = "Survei kepuasan penanganan pengaduan / Complaint handling satisfaction"


def authorize(principal: Principal, agency_id: str) -> None:
    if principal.agency_id != agency_id:
        raise Forbidden("This survey belongs to another agency.", code="forbidden_agency")


async def load_survey(uow: UnitOfWork | ReadOnly, survey_id: str, *,
                      lock: bool = False) -> Row:
    survey = await repository.get_survey(uow.conn, survey_id, lock=lock)
    if survey is None:
        raise NotFound(f"No survey {survey_id}.", code="survey_not_found",
                       extra={"field": "survey_id"})
    return survey


async def create_survey(uow: UnitOfWork, *, principal: Principal, body: SurveyCreate,
                        idempotency_key: str | None = None) -> tuple[str, bool]:
    """A new survey; (its id, True). With an ``Idempotency-Key`` the id derives from the key
    (per agency and caller): a retry returns the survey created first, (id, False), and the
    same key with another body is a 409."""
    agency_id = body.agency_id or principal.agency_id
    if agency_id is None:
        raise errors.invalid_field("agency_id", "required: the token names no agency",
                                   code="invalid_survey")
    authorize(principal, agency_id)
    if body.kind == "skm" and body.items is not None:
        raise errors.invalid_field("items", "the SKM questionnaire is built in",
                                   code="invalid_survey")
    if body.kind == "custom" and body.purpose != "general":
        raise errors.invalid_field("purpose", "post-complaint surveys are SKM surveys",
                                   code="invalid_survey")
    items = _questionnaire(body.items) if body.kind == "custom" else None
    survey_id = str(uuid.uuid4())
    if idempotency_key is not None:
        survey_id = str(uuid.uuid5(KEYS, f"{agency_id}\n{principal.subject}\n{idempotency_key}"))
    now = datetime.now(UTC)
    fields = {"agency_id": agency_id, "unit_id": body.unit_id, "service_id": body.service_id,
              "kind": body.kind, "purpose": body.purpose, "title": body.title}
    if not await repository.insert_survey(uow.conn, {"id": survey_id, "version": 1,
                                                      "created_at": now, **fields}):
        existing = await load_survey(uow, survey_id)
        same = all(getattr(existing, k) == v for k, v in fields.items()) and (
            items is None or await repository.version_items(uow.conn, survey_id, 1) == items)
        if not same:
            raise errors.conflict("Idempotency-Key", "this key was used for another survey",
                                  "idempotency_key_reused")
        return survey_id, False
    if items is not None:
        await repository.add_version(uow.conn, survey_id, 1, items, now)
    return survey_id, True


def _questionnaire(items_in: list[ItemIn] | None) -> list[dict]:
    """Checked items as stored; 422 naming ``items.<i>.<field>`` for a wrong definition."""
    if not items_in:
        raise errors.invalid_field("items", "a custom survey needs its items",
                                   code="invalid_survey")
    items = [custom.Item(code=i.code, type=i.type, text_id=i.text_id, text_en=i.text_en,
                         required=i.required, points=i.points,
                         options=tuple(custom.Option(o.code, o.label_id, o.label_en)
                                       for o in i.options)) for i in items_in]
    try:
        custom.check_questionnaire(items)
    except InvalidSurveyInput as exc:
        raise errors.invalid(exc.problems, code="invalid_survey") from None
    return [i.as_dict() for i in items]


async def change_questionnaire(uow: UnitOfWork, *, principal: Principal, survey_id: str,
                               items_in: list[ItemIn]) -> bool:
    """A changed questionnaire becomes the next version (earlier responses keep theirs);
    the same one again changes nothing. True if a version was added."""
    survey = await load_survey(uow, survey_id, lock=True)
    authorize(principal, survey.agency_id)
    if survey.kind != "custom":
        raise errors.invalid_field("survey_id", "the SKM questionnaire is fixed by regulation",
                                   code="invalid_survey")
    items = _questionnaire(items_in)
    current = await repository.version_items(uow.conn, survey.id, survey.version)
    if current == items:
        return False
    await repository.add_version(uow.conn, survey.id, survey.version + 1, items,
                                 datetime.now(UTC))
    return True


async def add_period(uow: UnitOfWork, *, survey: Row, code: str,
                     population: int | None) -> Row:
    """A new period; 409 naming ``code`` if it overlaps one of the survey's periods."""
    try:
        new = period_span(code, field="code")
    except InvalidSurveyInput as exc:
        raise errors.from_domain(exc) from None
    for existing in await repository.periods_of(uow.conn, survey.id):
        if new.overlaps(period_span(existing.code)):
            raise errors.conflict("code", f"{code} overlaps period {existing.code} of this "
                                  "survey", "period_overlap")
    await uow.conn.execute(insert(survey_periods).values(
        id=str(uuid.uuid4()), survey_id=survey.id, code=code, starts_on=new.starts_on,
        ends_on=new.ends_on, population=population, created_at=datetime.now(UTC)))
    period = await repository.get_period(uow.conn, survey.id, code)
    assert period is not None
    return period


async def create_period(uow: UnitOfWork, *, principal: Principal, survey_id: str,
                        body: PeriodCreate) -> None:
    survey = await load_survey(uow, survey_id, lock=True)
    authorize(principal, survey.agency_id)
    await add_period(uow, survey=survey, code=body.code, population=body.population)


async def load_period(uow: UnitOfWork | ReadOnly, survey_id: str, code: str) -> Row:
    period = await repository.get_period(uow.conn, survey_id, code)
    if period is None:
        raise NotFound(f"Survey {survey_id} has no period {code}.", code="period_not_found",
                       extra={"field": "period"})
    return period


async def set_population(uow: UnitOfWork, *, principal: Principal, survey_id: str, code: str,
                         population: int) -> None:
    survey = await load_survey(uow, survey_id)
    authorize(principal, survey.agency_id)
    period = await load_period(uow, survey_id, code)
    await repository.set_population(uow.conn, period.id, population)


async def close_period(uow: UnitOfWork, *, principal: Principal, survey_id: str,
                       code: str) -> None:
    """Close a period (no more responses count for it) and publish its final IKM."""
    survey = await load_survey(uow, survey_id, lock=True)
    authorize(principal, survey.agency_id)
    period = await load_period(uow, survey_id, code)
    now = datetime.now(UTC)
    if not await repository.close_period(uow.conn, period.id, now):
        raise errors.conflict("period", f"period {code} is already closed", "period_closed")
    ikm, grade = None, None
    if survey.kind == "skm":
        tally = (await repository.read_tallies(uow.conn, period_ids=[period.id]))[None]
        count = tally.respondents
        try:
            result = compute_ikm(tally)
            ikm, grade = float(result.ikm_rounded), result.grade.value
        except IncompleteTally:
            pass
    else:
        count = await repository.custom_respondents(uow.conn, period.id)
    uow.publish(SurveyPeriodClosed(
        survey_id=survey.id, survey_version=survey.version, kind=SurveyKind(survey.kind),
        agency_id=survey.agency_id, unit_id=survey.unit_id, period=code,
        response_count=count, ikm=ikm, grade=grade, occurred_at=now))
