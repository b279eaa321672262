"""Agencies, the service catalogue, and Open311 API keys (reads public, writes admin)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from services.complaints import repository
from services.complaints.endpoints import Service
from services.complaints.errors import UnprocessableField
from services.complaints.models import api_keys
from services.complaints.schemas import (
    AgencyIn,
    AgencyRead,
    ApiKeyCreated,
    ApiKeyIn,
    ApiKeyRead,
    CategoryIn,
    CategoryRead,
)
from shared.auth import Principal, Role, hash_api_key, new_api_key, require_roles
from shared.errors import Conflict, NotFound

router = APIRouter(prefix="/v1", tags=["catalogue"])
Admin = Annotated[Principal, Depends(require_roles(Role.ADMIN))]


@router.get("/agencies", response_model=list[AgencyRead], summary="Agencies (instansi)")
async def list_agencies(svc: Service) -> list[AgencyRead]:
    async with svc.runtime.engine.connect() as conn:
        rows = await repository.list_agencies(conn)
    return [AgencyRead(id=r.id, name_id=r.name_id, name_en=r.name_en, kind=r.kind,
                       parent_id=r.parent_id) for r in rows]


@router.post("/agencies", response_model=AgencyRead, status_code=201,
             summary="Add an agency (admin)")
async def create_agency(data: AgencyIn, _: Admin, svc: Service) -> AgencyRead:
    async with svc.runtime.unit_of_work() as uow:
        if await repository.get_agency(uow.conn, data.id):
            raise Conflict(f"Agency {data.id!r} exists.", code="agency_exists")
        if data.parent_id and not await repository.get_agency(uow.conn, data.parent_id):
            raise UnprocessableField("parent_id", "Unknown parent agency.")
        await repository.insert_agency(uow.conn, data.model_dump())
    return AgencyRead(**data.model_dump())


@router.get("/categories", response_model=list[CategoryRead],
            summary="The service catalogue: what a complaint can be about")
async def list_categories(svc: Service) -> list[CategoryRead]:
    async with svc.runtime.engine.connect() as conn:
        rows = await repository.list_categories(conn)
    return [category_read(r) for r in rows]


@router.post("/categories", response_model=CategoryRead, status_code=201,
             summary="Add a category (admin)")
async def create_category(data: CategoryIn, _: Admin, svc: Service) -> CategoryRead:
    async with svc.runtime.unit_of_work() as uow:
        if await repository.get_category(uow.conn, data.code):
            raise Conflict(f"Category {data.code!r} exists.", code="category_exists")
        if not await repository.get_agency(uow.conn, data.agency_id):
            raise UnprocessableField("agency_id", "Unknown agency.")
        await repository.insert_category(uow.conn, data.model_dump(mode="json"))
    svc.forget_categories()
    return CategoryRead(**data.model_dump())


def category_read(row) -> CategoryRead:
    return CategoryRead(code=row.code, agency_id=row.agency_id, name_id=row.name_id,
                        name_en=row.name_en, description_id=row.description_id,
                        description_en=row.description_en, complexity=row.complexity,
                        keywords=row.keywords, attributes=row.attributes, active=row.active)


@router.get("/api-keys", response_model=list[ApiKeyRead], summary="Open311 API keys (admin)")
async def list_api_keys(_: Admin, svc: Service) -> list[ApiKeyRead]:
    async with svc.runtime.engine.connect() as conn:
        rows = (await conn.execute(select(api_keys).order_by(api_keys.c.created_at))).all()
    return [ApiKeyRead(id=r.id, name=r.name, created_at=r.created_at, revoked_at=r.revoked_at)
            for r in rows]


@router.delete("/api-keys/{key_id}", response_model=ApiKeyRead,
               summary="Revoke an Open311 API key (admin); it stops working at once")
async def revoke_api_key(key_id: str, _: Admin, svc: Service) -> ApiKeyRead:
    async with svc.runtime.unit_of_work() as uow:
        row = (await uow.conn.execute(select(api_keys).where(api_keys.c.id == key_id))).first()
        if row is None:
            raise NotFound("No such API key.", code="api_key_not_found")
        revoked_at = row.revoked_at or datetime.now(UTC)
        await uow.conn.execute(update(api_keys).where(api_keys.c.id == key_id)
                               .values(revoked_at=revoked_at))
    return ApiKeyRead(id=row.id, name=row.name, created_at=row.created_at,
                      revoked_at=revoked_at)


@router.post("/api-keys", response_model=ApiKeyCreated, status_code=201,
             summary="Issue an Open311 API key (admin); shown once, stored hashed")
async def create_api_key(data: ApiKeyIn, _: Admin, svc: Service) -> ApiKeyCreated:
    key, now = new_api_key(), datetime.now(UTC)
    key_id = str(uuid.uuid4())
    try:
        async with svc.runtime.unit_of_work() as uow:
            await uow.conn.execute(insert(api_keys).values(
                id=key_id, name=data.name, key_hash=hash_api_key(key), created_at=now))
    except IntegrityError:  # a 256-bit collision: practically impossible, still not a 500
        raise Conflict("Try again.", code="api_key_collision") from None
    return ApiKeyCreated(id=key_id, name=data.name, api_key=key, created_at=now)
