"""Supervisor REST API (bearer JWT; agency scope, parents see their sub-agencies): indicators
of any scope and period, series, unsuppressed breakdowns, and the targets (CRUD, audited)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from services.kpi import presenters
from services.kpi.public import ByQ, PeriodQ, Service
from services.kpi.schemas import (
    AuditRead,
    BreakdownRead,
    IndicatorsRead,
    SeriesPoint,
    SeriesRead,
    TargetCreate,
    TargetRead,
    TargetUpdate,
)
from services.kpi.service.targets import TargetService
from shared.auth import Principal, Role, require_roles
from shared.deps import provide

router = APIRouter(prefix="/v1", tags=["supervisors"])

Reader = Annotated[Principal, Depends(require_roles(Role.OFFICER, Role.SUPERVISOR, Role.ADMIN,
                                                    Role.AUDITOR))]
Manager = Annotated[Principal, Depends(require_roles(Role.SUPERVISOR, Role.ADMIN))]
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No or bad token"}, 403: {"description": "Outside your scope"},
    404: {"description": "Unknown agency or target"}, 422: {"description": "Bad input"}}


Targets = Annotated[TargetService, Depends(provide(TargetService))]


@router.get("/agencies/{agency_id}/indicators", response_model=IndicatorsRead, responses=ERRORS,
            summary="Indicators of a scope: an agency (rolled up), or one category or unit")
async def indicators(agency_id: str, period: PeriodQ, principal: Reader, service: Service,
                     category: Annotated[str | None, Query(max_length=64)] = None,
                     unit: Annotated[str | None, Query(max_length=64)] = None) -> IndicatorsRead:
    return presenters.indicators_read(await service.indicators(
        agency_id=agency_id, period=period, category_code=category, unit_id=unit,
        reader=principal))


@router.get("/agencies/{agency_id}/breakdowns", response_model=BreakdownRead, responses=ERRORS,
            summary="Indicators per dimension value, nothing suppressed")
async def breakdown(agency_id: str, period: PeriodQ, by: ByQ, principal: Reader,
                    service: Service) -> BreakdownRead:
    return presenters.breakdown_read(await service.breakdown(
        agency_id=agency_id, period=period, dimension=by, public=False, reader=principal))


@router.get("/agencies/{agency_id}/series", response_model=SeriesRead, responses=ERRORS,
            summary="Counts per day or month of the period")
async def series(agency_id: str, period: PeriodQ, principal: Reader, service: Service,
                 measure: Annotated[list[str] | None, Query(max_length=20)] = None,
                 ) -> SeriesRead:
    points = await service.series(agency_id=agency_id, period=period,
                                  measures=measure or ("filed", "resolved"), reader=principal)
    return SeriesRead(agency_id=agency_id, period=period,
                      points=[SeriesPoint(start=k, values=v)  # type: ignore[arg-type]
                              for k, v in sorted(points.items())])


@router.get("/targets", response_model=list[TargetRead], responses=ERRORS,
            summary="Targets in your scope (and the defaults, agency *)")
async def list_targets(principal: Reader, targets: Targets,
                       agency_id: Annotated[str | None, Query(max_length=64)] = None,
                       ) -> list[TargetRead]:
    return [presenters.target_read(t)
            for t in await targets.list_for(principal=principal, agency_id=agency_id)]


@router.post("/targets", status_code=201, response_model=TargetRead, responses=ERRORS,
             summary="Set a target (supervisor, admin; agency * for the defaults: admin)")
async def create_target(body: TargetCreate, principal: Manager, targets: Targets) -> TargetRead:
    return presenters.target_read(await targets.create(principal=principal, body=body))


@router.patch("/targets/{target_id}", response_model=TargetRead,
              responses=ERRORS | {409: {"description": "Changed meanwhile (version)"}},
              summary="Change a target (send the version you read)")
async def update_target(target_id: str, body: TargetUpdate, principal: Manager,
                        targets: Targets) -> TargetRead:
    return presenters.target_read(await targets.update(principal=principal,
                                                       target_id=target_id, body=body))


@router.delete("/targets/{target_id}", status_code=204, response_class=Response,
               responses=ERRORS, summary="Delete a target")
async def delete_target(target_id: str, principal: Manager, targets: Targets) -> Response:
    await targets.delete(principal=principal, target_id=target_id)
    return Response(status_code=204)


@router.get("/targets/{target_id}/audit", response_model=list[AuditRead], responses=ERRORS,
            summary="Who created, changed or deleted the target, and what it was")
async def target_audit(target_id: str, principal: Reader, targets: Targets) -> list[AuditRead]:
    return [AuditRead(**vars(e))
            for e in await targets.history(principal=principal, target_id=target_id)]
