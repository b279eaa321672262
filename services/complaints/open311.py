"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) under ``/open311/v2``.

Every resource answers in XML or JSON by its extension (``services.xml``, ``requests/ID.json``);
errors come as the spec's list of ``{code, description}`` in the same format (XML when the
format is unknown), with 404 for what does not exist, 403 for a missing, unknown or revoked
``api_key`` and 400 for anything else, including a form or query this module cannot parse:
these routes parse their input themselves, so FastAPI never answers them with its 422, and
a path under ``/open311/v2`` that is no resource (or a method it does not take) is answered in
the same format. The wire format itself (form, query, XML and JSON) is in ``open311_format``.

Decisions where Suara and the spec differ, or where the spec leaves the choice open:

- Requests are ``realtime``: POST answers with the ``service_request_id`` (the complaint id)
  and, as the spec asks, no token. ``tokens/{token}`` still answers, taking the complaint id as
  the token (``[{service_request_id, token}]``) for clients that always look a token up. The
  citizen's secret tracking token (``/v1/track``) is never issued nor shown here: whoever holds
  it may act as the reporter.
- Private complaints are neither listed nor readable: ``requests/{id}`` and ``tokens/{id}``
  answer 404, as for an id that does not exist. Reporter data (name, e-mail, phone) is never
  part of any answer, whatever the complaint's privacy mode.
- ``status`` is ``closed`` for rejected, resolved and closed complaints, ``open`` otherwise;
  ``status_notes`` is the rejection reason, or else the last public reply of an officer (a
  citizen's own messages may name them); ``expected_datetime`` is the SLA's ``resolve_by``;
  ``agency_responsible`` is the name of the agency handling it now; ``address_id`` is the
  Kemendagri region code; ``media_url`` is a file sent with the complaint when it was filed.
- A complaint needs a title and a description, Open311 has neither requirement: the title is
  the service name and the description's first words; without a description, the service
  name stands for it. ``media_url`` becomes an attachment of unknown size (0 bytes).
- Names and descriptions are in Indonesian, or English when ``Accept-Language`` prefers it.
- ``jurisdiction_id`` is ignored: one endpoint serves one jurisdiction. Phone numbers are
  read the Indonesian way (``0812...`` is ``+62812...``); ``address_id`` must be a region code.
- POST answers 201. Posting twice files twice: Open311 has no idempotency key.
- An unexpected failure is logged and answered 400 "general service error", as the spec says
  ("any failure during create request processing"): never a 500, nor FastAPI's JSON errors.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import Response
from fastapi.routing import APIRoute
from pydantic import ValidationError
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.routing import Match

from services.complaints import domain, repository
from services.complaints import open311_format as wire
from services.complaints.open311_format import Open311Error, errors, render, w3c
from services.complaints.schemas import ComplaintCreate
from services.complaints.service import ComplaintService
from shared.auth import hash_api_key
from shared.errors import SuaraError

log = structlog.get_logger(__name__)
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"


class Open311Route(APIRoute):
    """Every failure of an Open311 route is answered in Open311's error format."""

    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            fmt = _format_of(request)
            try:
                try:
                    return await handler(request)
                except SuaraError as exc:
                    raise wire.from_suara(exc) from exc
            except Open311Error as exc:
                return errors(fmt, exc.status_code, exc.descriptions)
            except Exception as exc:  # logged, then answered as the spec's general error
                log.error("open311.unhandled_error", path=request.url.path,
                          error=type(exc).__name__, exc_info=exc)
                return errors(fmt, 400, ["General service error; it has been logged."])

        return guarded


router = APIRouter(prefix="/open311/v2", tags=["open311"], route_class=Open311Route)


def _format_of(request: Request) -> str:
    fmt = request.path_params.get("fmt") or request.url.path.rpartition(".")[2]
    return fmt if fmt in wire.FORMATS else "xml"


def _format(fmt: str) -> str:
    if fmt not in wire.FORMATS:
        raise Open311Error(404, f"Unknown format {fmt!r}: use .xml or .json.")
    return fmt


def _service(request: Request) -> ComplaintService:
    return request.app.state.complaints


def _locale(request: Request) -> str:
    first = request.headers.get("accept-language", "").split(",")[0].strip().lower()
    return "en" if first.startswith("en") else "id"


# -- discovery and services ------------------------------------------------------------------

@router.get("/discovery.{fmt}", response_class=Response,
            summary="Service discovery: the endpoint, its formats, how to get an API key")
async def discovery(request: Request, fmt: str) -> Response:
    fmt, svc = _format(fmt), _service(request)
    async with svc.runtime.engine.connect() as conn:
        changeset = w3c(await repository.catalogue_changed_at(conn) or svc.now())
    production = svc.settings.environment == "production"
    return render(fmt, "discovery", {
        "changeset": changeset,
        "contact": "The operators of this Suara deployment (pengelola layanan pengaduan).",
        "key_service": "API keys are issued by an administrator (POST /v1/api-keys).",
        "endpoints": [{"specification": SPECIFICATION,
                       "url": f"{str(request.base_url).rstrip('/')}{router.prefix}",
                       "changeset": changeset, "type": "production" if production else "test",
                       "formats": ["text/xml", "application/json"]}]})


@router.get("/services.{fmt}", response_class=Response,
            summary="The service list: what a request can be about")
async def services(request: Request, fmt: str) -> Response:
    fmt, locale = _format(fmt), _locale(request)
    async with _service(request).runtime.engine.connect() as conn:
        rows = await repository.list_categories(conn)
        agencies = {a.id: a for a in await repository.list_agencies(conn)}
    return render(fmt, "services", [wire.service(r, agencies.get(r.agency_id), locale)
                                    for r in rows])


@router.get("/services/{service_code}.{fmt}", response_class=Response,
            summary="A service definition: the attributes a request must or may answer")
async def service_definition(request: Request, service_code: str, fmt: str) -> Response:
    fmt = _format(fmt)
    async with _service(request).runtime.engine.connect() as conn:
        category = await _active_category(conn, service_code)
    return render(fmt, "service_definition",
                  wire.service_definition(category, _locale(request)))


async def _active_category(conn: AsyncConnection, code: str) -> Row:
    category = await repository.get_category(conn, code)
    if category is None or not category.active:
        raise Open311Error(404, f"service_code {code!r} was not found.")
    return category


# -- POST requests ---------------------------------------------------------------------------

_FORM_FIELDS = ("api_key", "service_code", "lat", "long", "address_string", "address_id",
                "email", "first_name", "last_name", "phone", "description", "media_url")


@router.post("/requests.{fmt}", response_class=Response, status_code=201,
             summary="Create a service request (form-encoded; api_key required)",
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/x-www-form-urlencoded": {"schema": {
                     "type": "object", "required": ["api_key", "service_code"],
                     "properties": {name: {"type": "string"} for name in _FORM_FIELDS},
                     "additionalProperties": {"type": "string", "description":
                                              "attribute[code] and attribute[code][]"}}}}}})
async def create_request(request: Request, fmt: str) -> Response:
    fmt, svc, locale = _format(fmt), _service(request), _locale(request)
    form = await wire.read_form(request)
    async with svc.runtime.engine.connect() as conn:
        key = await _api_key(conn, form.fields.get("api_key"))  # in the body, not the URL
        data = wire.complaint_fields(form, locale)  # its 400s before a 404, as the spec lists
        category = await _active_category(conn, data["category_code"])
        agency = await repository.get_agency(conn, category.agency_id)
    data["title"] = wire.title(category.name_id, data["description"])
    data["description"] = data["description"] or category.name_id
    try:
        complaint = ComplaintCreate.model_validate(data)
    except ValidationError as exc:
        raise wire.from_validation(exc) from None
    actor = domain.Actor(domain.Role.CITIZEN, f"open311:{key.id}")
    filed = await svc.file(complaint, actor=actor, idempotency_key=None)
    due = w3c(datetime.fromisoformat(filed.body["deadlines"]["resolve_by"]))
    who = wire.name_in(agency, "name", locale) if agency else category.agency_id
    notice = (f"{who} will handle this request; expected by {due}." if locale == "en" else
              f"{who} akan menindaklanjuti laporan ini; target selesai {due}.")
    return render(fmt, "service_requests", [{"service_request_id": filed.body["id"],
                                             "service_notice": notice, "account_id": None}],
                  status_code=filed.status_code)


async def _api_key(conn: AsyncConnection, key: str | None) -> Row:
    if not key:
        raise Open311Error(403, "api_key was not provided: a service request needs one.")
    row = await repository.active_api_key(conn, hash_api_key(key))
    if row is None:
        raise Open311Error(403, "Invalid api_key received: it is unknown or revoked.")
    return row


# -- GET requests ----------------------------------------------------------------------------

@router.get("/requests.{fmt}", response_class=Response,
            summary="Service requests: by id, or by service, status and date (90 days at most)")
async def list_requests(request: Request, fmt: str) -> Response:
    fmt = _format(fmt)
    filters = wire.request_filters(request.query_params, _service(request).now())
    return await _requests(request, fmt, filters)


@router.get("/requests/{service_request_id}.{fmt}", response_class=Response,
            summary="One service request")
async def get_request(request: Request, service_request_id: str, fmt: str) -> Response:
    return await _requests(request, _format(fmt),
                           repository.Open311Filters(ids=[service_request_id]), one=True)


async def _requests(request: Request, fmt: str, filters: repository.Open311Filters, *,
                    one: bool = False) -> Response:
    locale = _locale(request)
    async with _service(request).runtime.engine.connect() as conn:
        rows = await repository.open311_requests(conn, filters, limit=wire.MAX_REQUESTS)
        ids = [r.id for r in rows]
        replies = await repository.latest_staff_replies(conn, ids)
        media = await repository.filed_media(conn, ids)
    if one and not rows:
        raise Open311Error(404, f"service_request_id {filters.ids[0]!r} was not found.")
    return render(fmt, "service_requests", [
        wire.service_request(r, replies.get(r.id), media.get(r.id), locale) for r in rows])


@router.get("/tokens/{token}.{fmt}", response_class=Response,
            summary="The service_request_id of a token (here the token is that id)")
async def get_token(request: Request, token: str, fmt: str) -> Response:
    fmt = _format(fmt)
    async with _service(request).runtime.engine.connect() as conn:
        rows = await repository.open311_requests(conn, repository.Open311Filters(ids=[token]),
                                                 limit=1)
    if not rows:
        raise Open311Error(404, f"token {token!r} was not found.")
    return render(fmt, "service_requests", [{"service_request_id": rows[0].id,
                                             "token": token}])


# -- anything else under /open311/v2 ---------------------------------------------------------

@router.api_route("/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                  response_class=Response, include_in_schema=False)
async def unknown(request: Request, path: str) -> Response:
    """Not FastAPI's JSON 404/405: Open311's error list, in the format the path asks for."""
    fmt = _format_of(request)
    methods = {m for route in router.routes if isinstance(route, APIRoute)
               and route.matches(request.scope)[0] is Match.PARTIAL for m in route.methods}
    if methods:  # a known resource, another method: 400, the spec's "any other error"
        allowed = ", ".join(sorted(methods))
        return errors(fmt, 400, [f"Use {allowed} on this resource."],
                      headers={"Allow": allowed})
    return errors(fmt, 404, [f"No Open311 resource at {request.url.path}; resources end in "
                             ".xml or .json."])
