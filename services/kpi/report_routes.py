"""The evaluation report (seed 004), public: ``report.pdf`` and ``report.html`` of an agency
and period, in Bahasa Indonesia."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.kpi import presenters, report
from services.kpi.dashboard import DASHBOARD_CSP
from services.kpi.public import ERRORS, PeriodQ, Service
from services.kpi.service import Dashboard, KpiService

router = APIRouter(prefix="/v1/public", tags=["report"])


@router.get("/agencies/{agency_id}/report.html", response_class=Response, responses=ERRORS,
            summary="Evaluation report (HTML, Bahasa Indonesia)")
async def report_html(agency_id: str, period: PeriodQ, request: Request,
                      service: Service) -> Response:
    data = await service.dashboard(agency_id=agency_id, period=period)
    doc = report.build(data, generated_at=service.now(), zone=service.settings.zone)
    response = presenters.cached(request, report.to_html(doc).encode(),
                                 "text/html; charset=utf-8", service.settings.public_max_age_s,
                                 etag=_etag(data, service, "html"))
    # its inline <style> and SVG; no script (the JSON default CSP left it unstyled)
    response.headers["Content-Security-Policy"] = DASHBOARD_CSP
    return response


@router.get("/agencies/{agency_id}/report.pdf", response_class=Response, responses=ERRORS,
            summary="Evaluation report (PDF, Bahasa Indonesia)")
async def report_pdf(agency_id: str, period: PeriodQ, request: Request,
                     service: Service) -> Response:
    data = await service.dashboard(agency_id=agency_id, period=period)
    etag, max_age = _etag(data, service, "pdf"), service.settings.public_max_age_s
    filename = f"laporan-{agency_id}-{period}.pdf"
    unchanged = presenters.not_modified(request, etag, max_age, filename)
    if unchanged is not None:
        return unchanged  # the client's copy shows the same figures: no PDF rendered
    doc = report.build(data, generated_at=service.now(), zone=service.settings.zone)
    pdf = await asyncio.to_thread(report.to_pdf, doc)
    return presenters.cached(request, pdf, "application/pdf", max_age, filename, etag=etag)


#: The report states when it was made; its ETag is that of what it shows (the same report
#: made a minute later is the same version), so a client or a cache revalidates with a 304.
_SAME_TIME = datetime(2000, 1, 1, tzinfo=UTC)


def _etag(data: Dashboard, service: KpiService, fmt: str) -> str:
    doc = report.build(data, generated_at=_SAME_TIME, zone=service.settings.zone)
    return presenters.etag_of(f"{fmt}:".encode() + report.to_html(doc).encode())
