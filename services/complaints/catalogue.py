"""Agencies, the service catalogue, and Open311 API keys (reads public, writes admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from services.complaints import views
from services.complaints.records import AgencyRecord, CategoryRecord
from services.complaints.schemas import (
    AgencyAdminRead,
    AgencyIn,
    AgencyPatch,
    AgencyRead,
    ApiKeyCreated,
    ApiKeyIn,
    ApiKeyRead,
    CategoryIn,
    CategoryPatch,
    CategoryRead,
    NotificationAddressIn,
)
from services.complaints.service import CatalogueService
from shared.auth import Principal, Role, require_roles
from shared.deps import provide

router = APIRouter(prefix="/v1", tags=["catalogue"])
Admin = Annotated[Principal, Depends(require_roles(Role.ADMIN))]
Catalogue = Annotated[CatalogueService, Depends(provide(CatalogueService))]


@router.get("/agencies", response_model=list[AgencyRead], summary="Agencies (instansi)")
async def list_agencies(svc: Catalogue) -> list[AgencyRead]:
    return [views.agency_read(a) for a in await svc.agencies()]


@router.post("/agencies", response_model=AgencyAdminRead, status_code=201,
             summary="Add an agency (admin)",
             responses={409: {"description": "An agency with this id exists "
                                             "(`agency_exists`)"}})
async def create_agency(data: AgencyIn, _: Admin, svc: Catalogue) -> AgencyAdminRead:
    agency = AgencyRecord(id=data.id, name_id=data.name_id, name_en=data.name_en,
                          kind=data.kind, parent_id=data.parent_id,
                          notification_email=data.notification_email)
    return views.agency_admin_read(await svc.create_agency(agency=agency))


@router.patch("/agencies/{agency_id}", response_model=AgencyAdminRead,
              summary="Change an agency's names, kind or parent (admin); published as "
                      "agency.changed.v1",
              responses={404: {"description": "No such agency (`agency_not_found`)"},
                         422: {"description": "Unknown parent, or one that would put the "
                               "agency under itself (`agency_cycle`)"}})
async def change_agency(agency_id: str, data: AgencyPatch, _: Admin,
                        svc: Catalogue) -> AgencyAdminRead:
    return views.agency_admin_read(await svc.change_agency(
        agency_id=agency_id, changes=data.model_dump(mode="json", exclude_unset=True)))


@router.put("/agencies/{agency_id}/notification-address", response_model=AgencyAdminRead,
            summary="Set or clear an agency's notification address (admin)",
            responses={404: {"description": "No such agency (`agency_not_found`)"}})
async def set_notification_address(agency_id: str, data: NotificationAddressIn, _: Admin,
                                   svc: Catalogue) -> AgencyAdminRead:
    return views.agency_admin_read(await svc.set_notification_address(
        agency_id=agency_id, email=data.notification_email))


@router.get("/categories", response_model=list[CategoryRead],
            summary="The service catalogue: what a complaint can be about")
async def list_categories(svc: Catalogue) -> list[CategoryRead]:
    return [views.category_read(c) for c in await svc.categories()]


@router.post("/categories", response_model=CategoryRead, status_code=201,
             summary="Add a category (admin)",
             responses={409: {"description": "A category with this code exists"}})
async def create_category(data: CategoryIn, _: Admin, svc: Catalogue) -> CategoryRead:
    fields = data.model_dump(mode="json")
    category = CategoryRecord(**fields, active=True)
    return views.category_read(await svc.create_category(category=category))


@router.patch("/categories/{code}", response_model=CategoryRead,
              summary="Change a category (admin); published as category.changed.v1",
              responses={404: {"description": "No such category (`category_not_found`)"},
                         422: {"description": "Unknown agency"}})
async def change_category(code: str, data: CategoryPatch, _: Admin,
                          svc: Catalogue) -> CategoryRead:
    return views.category_read(await svc.change_category(
        code=code, changes=data.model_dump(mode="json", exclude_unset=True)))


@router.get("/api-keys", response_model=list[ApiKeyRead], summary="Open311 API keys (admin)")
async def list_api_keys(_: Admin, svc: Catalogue) -> list[ApiKeyRead]:
    return [views.api_key_read(k) for k in await svc.api_keys()]


@router.delete("/api-keys/{key_id}", response_model=ApiKeyRead,
               summary="Revoke an Open311 API key (admin); it stops working at once")
async def revoke_api_key(key_id: str, _: Admin, svc: Catalogue) -> ApiKeyRead:
    return views.api_key_read(await svc.revoke_api_key(key_id=key_id))


@router.post("/api-keys", response_model=ApiKeyCreated, status_code=201,
             summary="Issue an Open311 API key (admin); shown once, stored hashed")
async def create_api_key(data: ApiKeyIn, _: Admin, svc: Catalogue) -> ApiKeyCreated:
    return views.api_key_created(await svc.issue_api_key(name=data.name))
