"""REST v1 of the surveys service: surveys and periods (owners), results (public).

Who may do what: creating and changing surveys and periods needs an admin or supervisor of
the survey's agency; reading a survey and its results needs nothing (the IKM is published by
law, and results hold only counts); recording responses is in ``endpoints_responses``.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from sqlalchemy import Row

from services.surveys import errors, management, report, repository, results
from services.surveys.periods import as_utc
from services.surveys.schemas import (
    ElementRead,
    Id,
    ItemResultsRead,
    PeriodCode,
    PeriodCreate,
    PeriodRead,
    PeriodUpdate,
    QuestionnaireIn,
    ResultsRead,
    SurveyCreate,
    SurveyRead,
)
from services.surveys.skm import ELEMENTS
from shared.auth import Principal, Role, require_roles
from shared.runtime import ServiceRuntime
from shared.uow import UnitOfWork

router = APIRouter(prefix="/v1", tags=["surveys"])
Manager = Annotated[Principal, Depends(require_roles(Role.ADMIN, Role.SUPERVISOR))]
Segment = Literal["age_band", "sex", "education", "occupation"]
ERRORS = {404: {"description": "Unknown survey or period"},
          422: {"description": "Invalid input; `fields` names each wrong field"}}
OWNER_ERRORS = ERRORS | {401: {"description": "No or bad token"},
                         403: {"description": "Not an admin/supervisor of the agency"}}

ServiceQ = Annotated[Id | None, Query(description="Only responses about this service.")]
IdempotencyKey = Annotated[str | None, Header(
    min_length=1, max_length=200, description="Makes a retry return the survey created first.")]
ByQ = Annotated[Segment | None, Query(description="Also break the result down by segment.")]


def runtime_of(request: Request) -> ServiceRuntime:
    return request.app.state.runtime


QUESTIONNAIRE = [ElementRead(code=e.code, name_id=e.name_id, name_en=e.name_en,
                             question_id=e.question_id, question_en=e.question_en,
                             labels_id=list(e.labels_id), labels_en=list(e.labels_en))
                 for e in ELEMENTS]


def period_read(p: Row) -> PeriodRead:
    return PeriodRead(code=p.code, starts_on=p.starts_on, last_day=p.ends_on - timedelta(days=1),
                      population=p.population, status="closed" if p.closed_at else "open",
                      closed_at=as_utc(p.closed_at) if p.closed_at else None)


async def survey_read(uow: repository.ReadOnly | UnitOfWork, survey: Row) -> SurveyRead:
    periods = await repository.periods_of(uow.conn, survey.id)
    items = None
    if survey.kind == "custom":
        items = await repository.version_items(uow.conn, survey.id, survey.version)
    return SurveyRead(id=survey.id, agency_id=survey.agency_id, unit_id=survey.unit_id,
                      service_id=survey.service_id, kind=survey.kind, purpose=survey.purpose,
                      title=survey.title, version=survey.version,
                      created_at=as_utc(survey.created_at),
                      periods=[period_read(p) for p in periods],
                      questionnaire=QUESTIONNAIRE if survey.kind == "skm" else [], items=items)


@router.post("/surveys", status_code=201, response_model=SurveyRead,
             responses=OWNER_ERRORS | {200: {"model": SurveyRead, "description":
                                             "Created before with this Idempotency-Key"},
                                       409: {"description": "Idempotency-Key reused"}},
             summary="Create an SKM or custom survey for a service unit (admin/supervisor)")
async def create_survey(body: SurveyCreate, principal: Manager, request: Request,
                        response: Response, idempotency_key: IdempotencyKey = None,
                        ) -> SurveyRead:
    async with runtime_of(request).unit_of_work() as uow:
        survey_id, created = await management.create_survey(
            uow, principal=principal, body=body, idempotency_key=idempotency_key)
        if not created:
            response.status_code = 200
        return await survey_read(uow, await management.load_survey(uow, survey_id))


@router.get("/surveys", response_model=list[SurveyRead], summary="List surveys (public)")
async def list_surveys(request: Request, agency_id: Id | None = None,
                       unit_id: Id | None = None) -> list[SurveyRead]:
    async with runtime_of(request).engine.connect() as conn:
        rows = await repository.list_surveys(conn, agency_id=agency_id, unit_id=unit_id)
        return [await survey_read(repository.ReadOnly(conn), r) for r in rows]


@router.get("/surveys/{survey_id}", response_model=SurveyRead, responses=ERRORS,
            summary="A survey, its periods and its questionnaire (public)")
async def get_survey(survey_id: str, request: Request) -> SurveyRead:
    async with runtime_of(request).engine.connect() as conn:
        uow = repository.ReadOnly(conn)
        return await survey_read(uow, await management.load_survey(uow, survey_id))


@router.post("/surveys/{survey_id}/periods", status_code=201, response_model=SurveyRead,
             responses=OWNER_ERRORS | {409: {"description": "Overlaps another period"}},
             summary="Open a period (admin/supervisor)")
async def create_period(survey_id: str, body: PeriodCreate, principal: Manager,
                        request: Request) -> SurveyRead:
    async with runtime_of(request).unit_of_work() as uow:
        await management.create_period(uow, principal=principal, survey_id=survey_id,
                                       body=body)
        return await survey_read(uow, await management.load_survey(uow, survey_id))


@router.patch("/surveys/{survey_id}/periods/{period}", response_model=SurveyRead,
              responses=OWNER_ERRORS, summary="Set a period's population (admin/supervisor)")
async def update_period(survey_id: str, period: PeriodCode, body: PeriodUpdate,
                        principal: Manager, request: Request) -> SurveyRead:
    async with runtime_of(request).unit_of_work() as uow:
        await management.set_population(uow, principal=principal, survey_id=survey_id,
                                        code=period, population=body.population)
        return await survey_read(uow, await management.load_survey(uow, survey_id))


@router.post("/surveys/{survey_id}/periods/{period}/close", response_model=SurveyRead,
             responses=OWNER_ERRORS | {409: {"description": "Already closed"}},
             summary="Close a period and publish survey.period_closed (admin/supervisor)")
async def close_period(survey_id: str, period: PeriodCode, principal: Manager,
                       request: Request) -> SurveyRead:
    async with runtime_of(request).unit_of_work() as uow:
        await management.close_period(uow, principal=principal, survey_id=survey_id,
                                      code=period)
        return await survey_read(uow, await management.load_survey(uow, survey_id))


@router.put("/surveys/{survey_id}/questionnaire", response_model=SurveyRead,
            responses=OWNER_ERRORS, summary="Change a custom questionnaire: a new version "
            "(admin/supervisor; the same items again change nothing)")
async def change_questionnaire(survey_id: str, body: QuestionnaireIn, principal: Manager,
                               request: Request) -> SurveyRead:
    async with runtime_of(request).unit_of_work() as uow:
        await management.change_questionnaire(uow, principal=principal, survey_id=survey_id,
                                              items_in=body.items)
        return await survey_read(uow, await management.load_survey(uow, survey_id))


async def _item_results(request: Request, survey_id: str, period: str, version: int | None,
                        service_id: str | None, by: str | None) -> ItemResultsRead:
    async with runtime_of(request).engine.connect() as conn:
        uow = repository.ReadOnly(conn)
        survey = await management.load_survey(uow, survey_id)
        if survey.kind != "custom":
            raise errors.invalid_field("survey_id", "an SKM survey's results are at "
                                       "/v1/surveys/{survey_id}/results", code="not_custom")
        period_row = await management.load_period(uow, survey_id, period)
        return await results.item_results(uow, survey=survey, period=period_row,
                                          version=version or survey.version,
                                          service_id=service_id, by=by)


VersionQ = Annotated[int | None, Query(ge=1, description="Default: the current version.")]
ITEMS_DOC = ("Per item: answers and distribution; Likert items also the mean and a 0-100 "
             "satisfaction score. Free-text answers are counted, never shown. Public.")


@router.get("/surveys/{survey_id}/items/results", response_model=ItemResultsRead,
            responses=ERRORS, summary="Results of a custom survey's period, per item (JSON)",
            description=ITEMS_DOC)
async def item_results(survey_id: str, request: Request, period: PeriodCode,
                       version: VersionQ = None, service_id: ServiceQ = None,
                       by: ByQ = None) -> ItemResultsRead:
    return await _item_results(request, survey_id, period, version, service_id, by)


@router.get("/surveys/{survey_id}/items/results.csv", response_class=Response,
            responses=ERRORS, summary="Results of a custom survey's period, per item (CSV)",
            description=ITEMS_DOC)
async def item_results_csv(survey_id: str, request: Request, period: PeriodCode,
                           version: VersionQ = None, service_id: ServiceQ = None,
                           by: ByQ = None) -> Response:
    data = await _item_results(request, survey_id, period, version, service_id, by)
    return Response(results.items_to_csv(data), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition":
                             f'attachment; filename="items-{survey_id}-{period}.csv"'})


# -- results ---------------------------------------------------------------------------------


async def _survey_results(request: Request, survey_id: str, period: str,
                          service_id: str | None, by: str | None) -> ResultsRead:
    async with runtime_of(request).engine.connect() as conn:
        uow = repository.ReadOnly(conn)
        survey = await management.load_survey(uow, survey_id)
        _skm_only(survey)
        period_row = await management.load_period(uow, survey_id, period)
        scope = results.survey_scope(survey, period_row, service_id)
        return await results.compute(uow, scope, by=by)


def _skm_only(survey: Row) -> None:
    if survey.kind != "skm":
        raise errors.invalid_field("survey_id", "a custom survey has no IKM: see "
                                   "/v1/surveys/{survey_id}/items/results", code="not_skm")


async def _unit_results(request: Request, agency_id: str, unit_id: str | None, period: str,
                        service_id: str | None, by: str | None) -> ResultsRead:
    async with runtime_of(request).engine.connect() as conn:
        uow = repository.ReadOnly(conn)
        scope = await results.unit_scope(uow, agency_id=agency_id, unit_id=unit_id,
                                         period=period, service_id=service_id)
        return await results.compute(uow, scope, by=by)


async def _pdf(uow: repository.ReadOnly, scope: results.Scope, title: str) -> bytes:
    total = await results.compute(uow, scope)
    profile = {by: await results.compute(uow, scope, by=by)
               for by in ("age_band", "sex", "education", "occupation")}
    return await asyncio.to_thread(report.render, total, title=title, profile=profile,
                                   generated_at=datetime.now(UTC))


def _pdf_response(pdf: bytes, name: str) -> Response:
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}.pdf"'})


def _csv(data: ResultsRead, name: str) -> Response:
    return Response(results.to_csv(data), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})


RESULT_DOC = ("IKM, NI, per-element NRR/index/grade/distribution, the weakest elements and "
              "the Krejcie-Morgan sample check (when the period's population is set). Public.")


@router.get("/surveys/{survey_id}/results", response_model=ResultsRead, responses=ERRORS,
            summary="IKM of one survey's period (JSON)", description=RESULT_DOC)
async def survey_results(survey_id: str, request: Request, period: PeriodCode,
                         service_id: ServiceQ = None, by: ByQ = None) -> ResultsRead:
    return await _survey_results(request, survey_id, period, service_id, by)


@router.get("/surveys/{survey_id}/results.csv", response_class=Response, responses=ERRORS,
            summary="IKM of one survey's period (CSV)", description=RESULT_DOC)
async def survey_results_csv(survey_id: str, request: Request, period: PeriodCode,
                             service_id: ServiceQ = None, by: ByQ = None) -> Response:
    data = await _survey_results(request, survey_id, period, service_id, by)
    return _csv(data, f"ikm-{survey_id}-{period}")


@router.get("/surveys/{survey_id}/report.pdf", response_class=Response, responses=ERRORS,
            summary="Printable SKM report of one survey's period (PDF, public)")
async def survey_report(survey_id: str, request: Request, period: PeriodCode,
                        service_id: ServiceQ = None) -> Response:
    async with runtime_of(request).engine.connect() as conn:
        uow = repository.ReadOnly(conn)
        survey = await management.load_survey(uow, survey_id)
        _skm_only(survey)
        period_row = await management.load_period(uow, survey_id, period)
        scope = results.survey_scope(survey, period_row, service_id)
        pdf = await _pdf(uow, scope, survey.title)
    return _pdf_response(pdf, f"skm-{survey_id}-{period}")


@router.get("/agencies/{agency_id}/units/{unit_id}/report.pdf", response_class=Response,
            summary="Printable SKM report of a service unit's period (PDF, public)")
async def unit_report(agency_id: Id, unit_id: Id, request: Request, period: PeriodCode,
                      service_id: ServiceQ = None) -> Response:
    async with runtime_of(request).engine.connect() as conn:
        uow = repository.ReadOnly(conn)
        scope = await results.unit_scope(uow, agency_id=agency_id, unit_id=unit_id,
                                         period=period, service_id=service_id)
        pdf = await _pdf(uow, scope, f"Unit pelayanan / service unit {unit_id}")
    return _pdf_response(pdf, f"skm-{unit_id}-{period}")


@router.get("/agencies/{agency_id}/results", response_model=ResultsRead,
            summary="IKM of an agency: all its units' SKM surveys, periods of that code (JSON)",
            description=RESULT_DOC)
async def agency_results(agency_id: Id, request: Request, period: PeriodCode,
                         service_id: ServiceQ = None, by: ByQ = None) -> ResultsRead:
    return await _unit_results(request, agency_id, None, period, service_id, by)


@router.get("/agencies/{agency_id}/results.csv", response_class=Response,
            summary="IKM of an agency (CSV)", description=RESULT_DOC)
async def agency_results_csv(agency_id: Id, request: Request, period: PeriodCode,
                             service_id: ServiceQ = None, by: ByQ = None) -> Response:
    data = await _unit_results(request, agency_id, None, period, service_id, by)
    return _csv(data, f"ikm-{agency_id}-{period}")


@router.get("/agencies/{agency_id}/units/{unit_id}/results", response_model=ResultsRead,
            summary="IKM of a service unit: all its SKM surveys' periods of that code (JSON)",
            description=RESULT_DOC)
async def unit_results(agency_id: Id, unit_id: Id, request: Request, period: PeriodCode,
                       service_id: ServiceQ = None, by: ByQ = None) -> ResultsRead:
    return await _unit_results(request, agency_id, unit_id, period, service_id, by)


@router.get("/agencies/{agency_id}/units/{unit_id}/results.csv", response_class=Response,
            summary="IKM of a service unit (CSV)", description=RESULT_DOC)
async def unit_results_csv(agency_id: Id, unit_id: Id, request: Request, period: PeriodCode,
                           service_id: ServiceQ = None, by: ByQ = None) -> Response:
    data = await _unit_results(request, agency_id, unit_id, period, service_id, by)
    return _csv(data, f"ikm-{unit_id}-{period}")

