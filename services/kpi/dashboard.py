"""The public transparency dashboard: ``/dashboard`` (every agency) and
``/dashboard/{agency_id}``, server-rendered HTML with inline SVG charts, in Bahasa Indonesia or
English (``?lang=``). Every asset is shipped in the package (``/static/kpi``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from services.kpi import pages
from services.kpi.domain.periods import period_containing
from services.kpi.public import Made, Service, answer
from services.kpi.service import KpiService

router = APIRouter(tags=["dashboard"])
Lang = Annotated[Literal["id", "en"], Query(description="id (default) or en")]
OptionalPeriod = Annotated[str | None, Query(max_length=10, description="Default: this quarter")]


def choices(service: KpiService) -> list[str]:
    """The periods offered: this and last year, their quarters, the last twelve months."""
    today = service.now().astimezone(service.settings.zone).date()
    out: list[str] = []
    year = period_containing("year", today)
    quarter = period_containing("quarter", today)
    month = period_containing("month", today)
    for _ in range(6):
        out.append(quarter.code)
        quarter = quarter.previous()
    for _ in range(12):
        out.append(month.code)
        month = month.previous()
    out += [year.code, year.previous().code]
    return out


def default_period(service: KpiService, period: str | None) -> str:
    if period:
        return period
    return period_containing("quarter", service.now().astimezone(service.settings.zone)
                             .date()).code


#: The dashboard's own CSP: its style sheet and inline SVG colours (style attributes), images
#: from itself; no script at all. Without it the JSON default (``default-src 'none'``) left
#: the page unstyled in a real browser.
DASHBOARD_CSP = ("default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                 "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


async def _page(request: Request, service: KpiService, key: Hashable,
                make: Callable[[], Awaitable[Made]]) -> Response:
    """A dashboard page, kept like every public answer, with the dashboard's own CSP."""
    response = await answer(request, service, key, make, "text/html; charset=utf-8")
    response.headers["Content-Security-Policy"] = DASHBOARD_CSP
    return response


@router.get("/dashboard", response_class=Response, summary="Dashboard of every agency")
async def index(request: Request, service: Service, period: OptionalPeriod = None,
                lang: Lang = "id") -> Response:
    code = default_period(service, period)
    offered = choices(service)

    async def make() -> tuple[bytes, None]:
        rows = [{"agency_id": row.agency_id, "depth": row.depth,
                 "name": row.result.tree.name(row.agency_id, lang),
                 "filed": row.result.get("filed").value,
                 "within": row.result.get("resolved_within_5wd").value,
                 "ikm": row.result.get("ikm").value, "score": row.result.overall_score}
                for row in await service.overview(period=code)]
        html = pages.index_page(rows, lang=lang, period=code, choices=offered,
                                threshold=service.settings.small_number_threshold)
        return html.encode(), None  # every agency: any write of the projection drops it

    return await _page(request, service, ("dashboard-index", code, lang, tuple(offered)), make)


@router.get("/dashboard/{agency_id}", response_class=Response,
            summary="Dashboard of one agency (its sub-agencies rolled up)")
async def agency(agency_id: str, request: Request, service: Service,
                 period: OptionalPeriod = None, lang: Lang = "id") -> Response:
    code = default_period(service, period)
    offered = choices(service)

    async def make() -> tuple[bytes, frozenset[str]]:
        data = await service.dashboard(agency_id=agency_id, period=code)
        html = pages.agency_page(data, lang=lang, choices=offered,
                                 threshold=service.settings.small_number_threshold)
        return html.encode(), service.reads(data.indicators.tree, agency_id)

    return await _page(request, service, ("dashboard", agency_id, code, lang, tuple(offered)),
                       make)
