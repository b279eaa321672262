"""REST v1 of the surveys service: surveys and periods (owners), results (public).

Who may do what: creating and changing surveys and periods needs an admin or supervisor of
the survey's agency; reading a survey and its results needs nothing (the IKM is published by
law, and results hold only counts); recording responses is in ``endpoints_responses``.
Each route parses, checks the role, calls one use case and serialises its result.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Query, Response

from services.surveys import report, views
from services.surveys.schemas import (
    BurstRead,
    Id,
    ItemResultsRead,
    PeriodCode,
    PeriodCreate,
    PeriodUpdate,
    QuestionnaireIn,
    ResultsRead,
    SurveyCreate,
    SurveyRead,
)
from services.surveys.service import SurveyService
from shared.auth import Principal, Role, require_roles
from shared.deps import provide

router = APIRouter(prefix="/v1", tags=["surveys"])
Service = Annotated[SurveyService, Depends(provide(SurveyService))]
Manager = Annotated[Principal, Depends(require_roles(Role.ADMIN, Role.SUPERVISOR))]
Segment = Literal["age_band", "sex", "education", "occupation"]
ERRORS: dict[int | str, dict[str, object]] = {
    404: {"description": "Unknown survey or period"},
    422: {"description": "Invalid input; `fields` names each wrong field"}}
OWNER_ERRORS = ERRORS | {401: {"description": "No or bad token"},
                         403: {"description": "Not an admin/supervisor of the agency"}}

ServiceQ = Annotated[Id | None, Query(description="Only responses about this service.")]
IdempotencyKey = Annotated[str | None, Header(
    min_length=1, max_length=200, description="Makes a retry return the survey created first.")]
ByQ = Annotated[Segment | None, Query(description="Also break the result down by segment.")]
VersionQ = Annotated[int | None, Query(ge=1, description="Default: the current version.")]


@router.post("/surveys", status_code=201, response_model=SurveyRead,
             responses=OWNER_ERRORS | {200: {"model": SurveyRead, "description":
                                             "Created before with this Idempotency-Key"},
                                       409: {"description": "Idempotency-Key reused"}},
             summary="Create an SKM or custom survey for a service unit (admin/supervisor)")
async def create_survey(body: SurveyCreate, principal: Manager, service: Service,
                        response: Response, idempotency_key: IdempotencyKey = None,
                        ) -> SurveyRead:
    done = await service.create_survey(principal=principal, survey=body,
                                       idempotency_key=idempotency_key)
    if not done.created:
        response.status_code = 200
    return views.survey_read(done.survey)


@router.get("/surveys", response_model=list[SurveyRead], summary="List surveys (public)")
async def list_surveys(service: Service, agency_id: Id | None = None,
                       unit_id: Id | None = None) -> list[SurveyRead]:
    found = await service.list_surveys(agency_id=agency_id, unit_id=unit_id)
    return [views.survey_read(s) for s in found]


@router.get("/surveys/{survey_id}", response_model=SurveyRead, responses=ERRORS,
            summary="A survey, its periods and its questionnaire (public)")
async def get_survey(survey_id: str, service: Service) -> SurveyRead:
    return views.survey_read(await service.get_survey(survey_id=survey_id))


@router.post("/surveys/{survey_id}/periods", status_code=201, response_model=SurveyRead,
             responses=OWNER_ERRORS | {409: {"description": "Overlaps another period"}},
             summary="Open a period (admin/supervisor)")
async def create_period(survey_id: str, body: PeriodCreate, principal: Manager,
                        service: Service) -> SurveyRead:
    return views.survey_read(await service.open_period(
        principal=principal, survey_id=survey_id, code=body.code, population=body.population))


@router.patch("/surveys/{survey_id}/periods/{period}", response_model=SurveyRead,
              responses=OWNER_ERRORS, summary="Set a period's population (admin/supervisor)")
async def update_period(survey_id: str, period: PeriodCode, body: PeriodUpdate,
                        principal: Manager, service: Service) -> SurveyRead:
    return views.survey_read(await service.set_population(
        principal=principal, survey_id=survey_id, code=period, population=body.population))


@router.post("/surveys/{survey_id}/periods/{period}/close", response_model=SurveyRead,
             responses=OWNER_ERRORS | {409: {"description": "Already closed"}},
             summary="Close a period and publish survey.period_closed (admin/supervisor)")
async def close_period(survey_id: str, period: PeriodCode, principal: Manager,
                       service: Service) -> SurveyRead:
    return views.survey_read(await service.close_period(
        principal=principal, survey_id=survey_id, code=period))


@router.put("/surveys/{survey_id}/questionnaire", response_model=SurveyRead,
            responses=OWNER_ERRORS, summary="Change a custom questionnaire: a new version "
            "(admin/supervisor; the same items again change nothing)")
async def change_questionnaire(survey_id: str, body: QuestionnaireIn, principal: Manager,
                               service: Service) -> SurveyRead:
    return views.survey_read(await service.change_questionnaire(
        principal=principal, survey_id=survey_id, items=body.items))


# -- bursts ----------------------------------------------------------------------------------


BURST_DOC = ("A burst: more than SUARA_SURVEYS_BURST_THRESHOLD online SKM answers from one "
             "client in one window (docs/surveys.md, 'Bursts'). Excluded bursts are left out "
             "of every result; a closed period's cannot change.")


@router.get("/surveys/{survey_id}/bursts", response_model=list[BurstRead],
            responses=OWNER_ERRORS, summary="The flagged bursts of a period (admin/supervisor)",
            description=BURST_DOC)
async def list_bursts(survey_id: str, period: PeriodCode, principal: Manager,
                      service: Service) -> list[BurstRead]:
    found = await service.list_bursts(principal=principal, survey_id=survey_id, period=period)
    return [views.burst_read(b) for b in found]


@router.post("/surveys/{survey_id}/bursts/{burst_id}/exclude", response_model=BurstRead,
             responses=OWNER_ERRORS | {409: {"description": "The period is closed"}},
             summary="Leave a burst out of the results (admin/supervisor)",
             description=BURST_DOC)
async def exclude_burst(survey_id: str, burst_id: str, principal: Manager,
                        service: Service) -> BurstRead:
    return views.burst_read(await service.set_burst_excluded(
        principal=principal, survey_id=survey_id, burst_id=burst_id, excluded=True))


@router.delete("/surveys/{survey_id}/bursts/{burst_id}/exclude", response_model=BurstRead,
               responses=OWNER_ERRORS | {409: {"description": "The period is closed"}},
               summary="Count an excluded burst again (admin/supervisor)",
               description=BURST_DOC)
async def include_burst(survey_id: str, burst_id: str, principal: Manager,
                        service: Service) -> BurstRead:
    return views.burst_read(await service.set_burst_excluded(
        principal=principal, survey_id=survey_id, burst_id=burst_id, excluded=False))


# -- custom survey results -------------------------------------------------------------------


ITEMS_DOC = ("Per item: answers and distribution; Likert items also the mean and a 0-100 "
             "satisfaction score. Free-text answers are counted, never shown. Public.")


async def _item_results(service: SurveyService, survey_id: str, period: str,
                        version: int | None, service_id: str | None,
                        by: str | None) -> ItemResultsRead:
    return views.item_results_read(await service.item_results(
        survey_id=survey_id, period=period, version=version, service_id=service_id, by=by))


@router.get("/surveys/{survey_id}/items/results", response_model=ItemResultsRead,
            responses=ERRORS, summary="Results of a custom survey's period, per item (JSON)",
            description=ITEMS_DOC)
async def item_results(survey_id: str, service: Service, period: PeriodCode,
                       version: VersionQ = None, service_id: ServiceQ = None,
                       by: ByQ = None) -> ItemResultsRead:
    return await _item_results(service, survey_id, period, version, service_id, by)


@router.get("/surveys/{survey_id}/items/results.csv", response_class=Response,
            responses=ERRORS, summary="Results of a custom survey's period, per item (CSV)",
            description=ITEMS_DOC)
async def item_results_csv(survey_id: str, service: Service, period: PeriodCode,
                           version: VersionQ = None, service_id: ServiceQ = None,
                           by: ByQ = None) -> Response:
    data = await _item_results(service, survey_id, period, version, service_id, by)
    return Response(views.items_to_csv(data), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition":
                             f'attachment; filename="items-{survey_id}-{period}.csv"'})


# -- SKM results ---------------------------------------------------------------------------------


RESULT_DOC = ("IKM, NI, per-element NRR/index/grade/distribution, the weakest elements and "
              "the Krejcie-Morgan sample check (when the period's population is set). Public.")


def _pdf(pdf: bytes, name: str) -> Response:
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}.pdf"'})


def _csv(data: ResultsRead, name: str) -> Response:
    return Response(views.to_csv(data), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})


async def _survey_results(service: SurveyService, survey_id: str, period: str,
                          service_id: str | None, by: str | None) -> ResultsRead:
    return views.results_read(await service.survey_results(
        survey_id=survey_id, period=period, service_id=service_id, by=by))


async def _unit_results(service: SurveyService, agency_id: str, unit_id: str | None,
                        period: str, service_id: str | None, by: str | None) -> ResultsRead:
    return views.results_read(await service.unit_results(
        agency_id=agency_id, unit_id=unit_id, period=period, service_id=service_id, by=by))


@router.get("/surveys/{survey_id}/results", response_model=ResultsRead, responses=ERRORS,
            summary="IKM of one survey's period (JSON)", description=RESULT_DOC)
async def survey_results(survey_id: str, service: Service, period: PeriodCode,
                         service_id: ServiceQ = None, by: ByQ = None) -> ResultsRead:
    return await _survey_results(service, survey_id, period, service_id, by)


@router.get("/surveys/{survey_id}/results.csv", response_class=Response, responses=ERRORS,
            summary="IKM of one survey's period (CSV)", description=RESULT_DOC)
async def survey_results_csv(survey_id: str, service: Service, period: PeriodCode,
                             service_id: ServiceQ = None, by: ByQ = None) -> Response:
    data = await _survey_results(service, survey_id, period, service_id, by)
    return _csv(data, f"ikm-{survey_id}-{period}")


@router.get("/surveys/{survey_id}/report.pdf", response_class=Response, responses=ERRORS,
            summary="Printable SKM report of one survey's period (PDF, public)")
async def survey_report(survey_id: str, service: Service, period: PeriodCode,
                        service_id: ServiceQ = None) -> Response:
    figures = await service.survey_report(survey_id=survey_id, period=period,
                                          service_id=service_id)
    pdf = await asyncio.to_thread(report.render_report, figures)  # CPU-bound
    return _pdf(pdf, f"skm-{survey_id}-{period}")


@router.get("/agencies/{agency_id}/units/{unit_id}/report.pdf", response_class=Response,
            summary="Printable SKM report of a service unit's period (PDF, public)")
async def unit_report(agency_id: Id, unit_id: Id, service: Service, period: PeriodCode,
                      service_id: ServiceQ = None) -> Response:
    figures = await service.unit_report(agency_id=agency_id, unit_id=unit_id, period=period,
                                        service_id=service_id)
    pdf = await asyncio.to_thread(report.render_report, figures)
    return _pdf(pdf, f"skm-{unit_id}-{period}")


@router.get("/agencies/{agency_id}/results", response_model=ResultsRead,
            summary="IKM of an agency: all its units' SKM surveys, periods of that code (JSON)",
            description=RESULT_DOC)
async def agency_results(agency_id: Id, service: Service, period: PeriodCode,
                         service_id: ServiceQ = None, by: ByQ = None) -> ResultsRead:
    return await _unit_results(service, agency_id, None, period, service_id, by)


@router.get("/agencies/{agency_id}/results.csv", response_class=Response,
            summary="IKM of an agency (CSV)", description=RESULT_DOC)
async def agency_results_csv(agency_id: Id, service: Service, period: PeriodCode,
                             service_id: ServiceQ = None, by: ByQ = None) -> Response:
    data = await _unit_results(service, agency_id, None, period, service_id, by)
    return _csv(data, f"ikm-{agency_id}-{period}")


@router.get("/agencies/{agency_id}/units/{unit_id}/results", response_model=ResultsRead,
            summary="IKM of a service unit: all its SKM surveys' periods of that code (JSON)",
            description=RESULT_DOC)
async def unit_results(agency_id: Id, unit_id: Id, service: Service, period: PeriodCode,
                       service_id: ServiceQ = None, by: ByQ = None) -> ResultsRead:
    return await _unit_results(service, agency_id, unit_id, period, service_id, by)


@router.get("/agencies/{agency_id}/units/{unit_id}/results.csv", response_class=Response,
            summary="IKM of a service unit (CSV)", description=RESULT_DOC)
async def unit_results_csv(agency_id: Id, unit_id: Id, service: Service, period: PeriodCode,
                           service_id: ServiceQ = None, by: ByQ = None) -> Response:
    data = await _unit_results(service, agency_id, unit_id, period, service_id, by)
    return _csv(data, f"ikm-{unit_id}-{period}")
