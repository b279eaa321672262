"""Public read-only API and open data, without login: indicators, breakdowns (small numbers
suppressed), series, exports with a data dictionary. Every answer has an ETag and a
Cache-Control header; routes parse, call one use case and serialise."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from services.kpi import presenters
from services.kpi.domain.projection import DIMENSIONS
from services.kpi.schemas import BreakdownRead, IndicatorsRead, SeriesPoint, SeriesRead
from services.kpi.service import KpiService
from shared.deps import provide

router = APIRouter(prefix="/v1/public", tags=["public"])

PeriodQ = Annotated[str, Query(description="2026-Q4, 2026-10, 2026-H2, 2026, 2026-W41 or "
                                           "2026-10-05 (local dates)", max_length=10)]
ByQ = Annotated[str, Query(description=f"One of {', '.join(DIMENSIONS)}", max_length=16)]
ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "Unknown agency"}, 422: {"description": "Bad period or dimension"}}


Service = Annotated[KpiService, Depends(provide(KpiService))]


def _max_age(service: KpiService) -> int:
    return service.settings.public_max_age_s


@router.get("/agencies", summary="Agencies with published figures")
async def agencies(request: Request, service: Service) -> Response:
    tree = await service.tree()
    with_data = await service.agencies_with_data()
    body = {"agencies": [tree.describe(a) for a in sorted(set(tree.agencies) | {
        a for a in with_data if a != "*"})], "roots": tree.roots(with_data)}
    return presenters.cached(request, presenters.json_bytes(body), "application/json",
                             _max_age(service))


#: a body, and the agencies whose figures it shows (None: every agency)
Made = tuple[bytes, frozenset[str] | None]


async def answer(request: Request, service: KpiService, key: Hashable,
                 make: Callable[[], Awaitable[Made]], media_type: str,
                 filename: str | None = None) -> Response:
    """A public answer, from the process's answers kept (services/kpi/answers.py) when one
    younger than the max-age is there, else made (and kept)."""
    kept = service.answers.get(key)
    if kept is None:
        started, made = service.answers.start(), time.monotonic()
        body, reads = await make()
        etag = presenters.etag_of(body)
        service.answers.put(key, body, etag, reads, started=started, made=made)
    else:
        body, etag = kept.body, kept.etag
    return presenters.cached(request, body, media_type, _max_age(service), filename,
                             etag=etag)


def _indicators(service: KpiService, agency_id: str, period: str,
                render: Callable[[IndicatorsRead], bytes]) -> Callable[[], Awaitable[Made]]:
    async def make() -> Made:
        result = await service.indicators(agency_id=agency_id, period=period, public=True)
        return (render(presenters.indicators_read(result)),
                service.reads(result.tree, agency_id))
    return make


def _csv(data: IndicatorsRead) -> bytes:
    return presenters.indicators_csv(data).encode()


@router.get("/agencies/{agency_id}/indicators", response_model=IndicatorsRead,
            responses=ERRORS, summary="Indicators of an agency (sub-agencies rolled up)")
async def indicators(agency_id: str, period: PeriodQ, request: Request,
                     service: Service) -> Response:
    return await answer(request, service, ("indicators", agency_id, period),
                        _indicators(service, agency_id, period, presenters.json_bytes),
                        "application/json")


@router.get("/agencies/{agency_id}/indicators.json", response_model=IndicatorsRead,
            responses=ERRORS, summary="Indicators of an agency, as a JSON download")
async def indicators_json(agency_id: str, period: PeriodQ, request: Request,
                          service: Service) -> Response:
    return await answer(request, service, ("indicators", agency_id, period),
                        _indicators(service, agency_id, period, presenters.json_bytes),
                        "application/json", filename=f"{agency_id}-{period}.json")


@router.get("/agencies/{agency_id}/indicators.csv", response_class=Response, responses=ERRORS,
            summary="Indicators of an agency, as CSV (columns: /v1/public/data-dictionary)")
async def indicators_csv(agency_id: str, period: PeriodQ, request: Request,
                         service: Service) -> Response:
    return await answer(request, service, ("indicators.csv", agency_id, period),
                        _indicators(service, agency_id, period, _csv),
                        "text/csv; charset=utf-8", filename=f"{agency_id}-{period}.csv")


async def _breakdown(service: KpiService, agency_id: str, period: str, by: str) -> BreakdownRead:
    return presenters.breakdown_read(await service.breakdown(
        agency_id=agency_id, period=period, dimension=by, public=True))


@router.get("/agencies/{agency_id}/breakdowns", response_model=BreakdownRead, responses=ERRORS,
            summary="Indicators per category, channel, region, privacy mode or unit; cells "
                    "behind fewer than SUARA_KPI_SMALL_NUMBER_THRESHOLD complaints withheld")
async def breakdown(agency_id: str, period: PeriodQ, by: ByQ, request: Request,
                    service: Service) -> Response:
    data = await _breakdown(service, agency_id, period, by)
    return presenters.cached(request, presenters.json_bytes(data), "application/json",
                             _max_age(service))


@router.get("/agencies/{agency_id}/breakdowns.csv", response_class=Response, responses=ERRORS,
            summary="A breakdown as CSV")
async def breakdown_csv(agency_id: str, period: PeriodQ, by: ByQ, request: Request,
                        service: Service) -> Response:
    data = await _breakdown(service, agency_id, period, by)
    return presenters.cached(request, presenters.breakdown_csv(data).encode(),
                             "text/csv; charset=utf-8", _max_age(service),
                             filename=f"{agency_id}-{period}-{by}.csv")


@router.get("/agencies/{agency_id}/series", response_model=SeriesRead, responses=ERRORS,
            summary="Complaints filed and resolved per day (week, month) or month (longer)")
async def series(agency_id: str, period: PeriodQ, request: Request,
                 service: Service) -> Response:
    points = await service.series(agency_id=agency_id, period=period)
    data = SeriesRead(agency_id=agency_id, period=period,
                      points=[SeriesPoint(start=k, values=v)  # type: ignore[arg-type]
                              for k, v in sorted(points.items())])
    return presenters.cached(request, presenters.json_bytes(data), "application/json",
                             _max_age(service))


@router.get("/data-dictionary", summary="What every export column and indicator means")
async def dictionary(request: Request, service: Service) -> Response:
    return presenters.cached(request, presenters.json_bytes(presenters.data_dictionary()),
                             "application/json", _max_age(service))


@router.get("/data-dictionary.csv", response_class=Response, summary="The indicators, as CSV")
async def dictionary_csv(request: Request, service: Service) -> Response:
    return presenters.cached(request, presenters.dictionary_csv().encode(),
                             "text/csv; charset=utf-8", _max_age(service),
                             filename="kpi-data-dictionary.csv")
