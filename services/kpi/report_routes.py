"""The evaluation report (seed 004), public: ``report.pdf`` and ``report.html`` of an agency
and period, in Bahasa Indonesia."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.kpi import presenters, report
from services.kpi.dashboard import DASHBOARD_CSP
from services.kpi.public import ERRORS, PeriodQ, Service

router = APIRouter(prefix="/v1/public", tags=["report"])


@router.get("/agencies/{agency_id}/report.html", response_class=Response, responses=ERRORS,
            summary="Evaluation report (HTML, Bahasa Indonesia)")
async def report_html(agency_id: str, period: PeriodQ, request: Request,
                      service: Service) -> Response:
    data = await service.dashboard(agency_id=agency_id, period=period)
    doc = report.build(data, generated_at=service.now(), zone=service.settings.zone)
    response = presenters.cached(request, report.to_html(doc).encode(),
                                 "text/html; charset=utf-8", service.settings.public_max_age_s)
    # its inline <style> and SVG; no script (the JSON default CSP left it unstyled)
    response.headers["Content-Security-Policy"] = DASHBOARD_CSP
    return response


@router.get("/agencies/{agency_id}/report.pdf", response_class=Response, responses=ERRORS,
            summary="Evaluation report (PDF, Bahasa Indonesia)")
async def report_pdf(agency_id: str, period: PeriodQ, request: Request,
                     service: Service) -> Response:
    data = await service.dashboard(agency_id=agency_id, period=period)
    doc = report.build(data, generated_at=service.now(), zone=service.settings.zone)
    pdf = await asyncio.to_thread(report.to_pdf, doc)
    return presenters.cached(request, pdf, "application/pdf", service.settings.public_max_age_s,
                             filename=f"laporan-{agency_id}-{period}.pdf")
