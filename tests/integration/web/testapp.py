"""A small app on shared.web.build_app, with routes that exercise every shared mechanism: the
services change shape during the session, these routes do not."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from fastapi import APIRouter, Header, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from shared.errors import FieldError, Invalid, NotFound, SuaraError
from shared.http.messages import Text, use_resource_locale
from shared.http.ratelimit import rate_limit
from shared.runtime import ServiceRuntime
from shared.settings import ServiceSettings
from shared.web import build_app


class WebTestSettings(ServiceSettings):
    service: ClassVar[str] = "webtest"


class Location(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lat: float = Field(ge=-90, le=90)
    long: float = Field(ge=-180, le=180)


class Filing(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=20)
    privacy: Literal["public", "confidential"] = "public"
    location: Location | None = None
    answers: dict[str, int | Annotated[str, Field(pattern="^[a-z]+$")]] = {}
    attributes: dict[str, Any] = {}
    items: list[Location] = []


router = APIRouter()
MESSAGES = {"thing_not_found": Text("Barang tidak ditemukan.", "No such thing."),
            "thing_locked": Text("Barang {name} terkunci.", "Thing {name} is locked.")}


@router.post("/filings", status_code=201)
async def file(body: Filing,
               idempotency_key: Annotated[str | None, Header(max_length=8)] = None,
               ) -> dict[str, Any]:
    return {"privacy": body.privacy, "title": body.title}


@router.get("/filings")
async def search(filed_from: Annotated[datetime | None, Query()] = None,
                 limit: Annotated[int, Query(ge=1, le=100)] = 10) -> dict[str, Any]:
    return {"limit": limit}


@router.get("/things/{name}")
async def thing(name: str, request: Request) -> dict[str, str]:
    if name == "english":
        use_resource_locale(request, "en")
    if name == "locked" or name == "english":
        raise SuaraError("Thing is locked.", status_code=409, code="thing_locked",
                         params={"name": name}, extra={"field": "name", "state": "locked"})
    if name == "several":
        raise Invalid("Two things are wrong.", fields=[
            FieldError("a", "too_short", "a is too short"),
            FieldError("b", "unregistered_code", "b is odd")])
    if name == "boom":
        raise RuntimeError("a bug")
    raise NotFound("No such thing.", code="thing_not_found")


@router.post("/limited", dependencies=[rate_limit("filing")])
async def limited() -> dict[str, str]:
    return {"status": "filed"}


@router.get("/checked", dependencies=[rate_limit("token_check")])
async def checked() -> dict[str, str]:
    return {"status": "checked"}


@router.get("/cached")
async def cached() -> Response:
    return Response(b'{"ikm": 80.5}', media_type="application/json",
                    headers={"Cache-Control": "public, max-age=60", "ETag": '"v1"'})


@router.post("/raw")
async def raw(request: Request) -> Response:
    return Response(await request.body(), media_type="application/octet-stream")


def create_app(*routers: APIRouter, **settings: Any) -> Any:
    s = WebTestSettings(**({"environment": "test", "relay_enabled": False,
                            "migrate_on_start": False, "kafka_bootstrap": "127.0.0.1:1"}
                           | settings))
    runtime = ServiceRuntime(s, versions_dir=Path(__file__).parent)
    return build_app(runtime, title="web test", routers=[router, *routers], messages=MESSAGES)


# -- a UtcDateTime column, for what reaches the database ---------------------------------------

from sqlalchemy import Column, Integer, MetaData, Table  # noqa: E402
from sqlalchemy.ext.asyncio import create_async_engine  # noqa: E402

from shared.types import UtcDateTime, UtcTimestamp  # noqa: E402

_events = Table("events", MetaData(), Column("id", Integer, primary_key=True),
                Column("at", UtcDateTime()))


@router.get("/instants")
async def instants(at: Annotated[UtcTimestamp, Query()]) -> dict[str, str]:
    return {"utc": at.isoformat()}


@router.post("/stored")
async def stored(at: datetime) -> dict[str, str]:
    engine = create_async_engine("sqlite+aiosqlite://")
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_events.metadata.create_all)
            await conn.execute(_events.insert().values(at=at))
    finally:
        await engine.dispose()
    return {"stored": at.isoformat()}
