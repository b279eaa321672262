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
  and, so that the citizen can follow, reply to and rate it as a REST filer can, the same two
  things the REST filing gives: the citizen's secret ``token`` and (an extension element) the
  ``tracking_code``, both also in the ``service_notice`` with the tracking link; the first
  notification to the reporter carries the code and link as well. The token opens the
  complaint with its tracking code (``/v1/track``): an integrator hands it to the citizen and
  keeps it no longer than that. ``tokens/{token}`` takes the complaint id as the token
  (``[{service_request_id, token}]``) for clients that always look a token up; the secret
  token itself is never accepted in a URL, where access logs would keep it. Posting twice
  files twice (Open311 has no idempotency key), so no stored answer holds a token.
- What is listed, and what of it, is the public-listing policy of ``disclosure``: nothing
  before an officer verified it (nor a rejected complaint); a private complaint is neither
  listed nor readable (``requests/{id}`` and ``tokens/{id}`` answer 404, as for an id that does
  not exist); a confidential or anonymous one is listed without description, address,
  coordinates, file or reply (its ``service_notice`` says so); reporter data (name, e-mail,
  phone) is never part of any answer, whatever the complaint's privacy mode.
- ``status`` is ``closed`` for resolved and closed complaints, ``open`` otherwise;
  ``status_notes`` is the last public reply of an officer (a citizen's own messages may name
  them); ``expected_datetime`` is the SLA's ``resolve_by``; ``agency_responsible`` is the name
  of the agency handling it now; ``address_id`` is the district's Kemendagri code
  (``32.73.01``), never the village's; ``media_url`` is a file sent with the complaint when it
  was filed.
- A complaint needs a title and a description, Open311 has neither requirement: the title is
  the service name and the description's first words; without a description, the service
  name stands for it. ``media_url`` becomes an attachment of unknown size (0 bytes).
- Names and descriptions are in Indonesian, or English when ``Accept-Language`` prefers it.
- ``jurisdiction_id`` is ignored: one endpoint serves one jurisdiction. Phone numbers are
  read the Indonesian way (``0812...`` is ``+62812...``); ``address_id`` must be a region code.
- POST answers 201. Filings count against the ``filing`` rate limit per client address
  (``SUARA_RATE_LIMITS``), as REST filings do: a 429 in the spec's error format, with
  ``Retry-After``.
- An unexpected failure is logged and answered 400 "general service error", as the spec says
  ("any failure during create request processing"): never a 500, nor FastAPI's JSON errors.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from fastapi.routing import APIRoute
from pydantic import ValidationError
from starlette.routing import Match

from services.complaints import open311_format as wire
from services.complaints.errors import UnknownCategory
from services.complaints.open311_format import Open311Error, errors, render, w3c
from services.complaints.records import PublicFilters
from services.complaints.service import CatalogueService, PublicService
from shared.db import database_unreachable
from shared.deps import provide
from shared.errors import SuaraError
from shared.http.query import OPEN_QUERY
from shared.http.ratelimit import rate_limit

log = structlog.get_logger(__name__)
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
Catalogue = Annotated[CatalogueService, Depends(provide(CatalogueService))]
Public = Annotated[PublicService, Depends(provide(PublicService))]


#: GeoReport v2's error list, as JSON (the .xml answer is the same list as <errors>)
_ERRORS_SCHEMA = {"type": "array", "minItems": 1, "items": {
    "type": "object", "required": ["code", "description"],
    "properties": {"code": {"type": "integer", "description": "The HTTP status"},
                   "description": {"type": "string"}}}}
_XML = {"schema": {"type": "string", "description": "The same document as XML"}}
_ERRORS = {
    400: "A missing or invalid argument, named in the description (also the spec's general "
         "service error)",
    403: "The api_key is missing, unknown or revoked",
    404: "No such service, request or format (an unknown .format answers XML)",
    429: "Rate limited: retry after `Retry-After` seconds",
    503: "The database does not answer: retry after `Retry-After` seconds",
}


def _documented(success: int) -> dict[int | str, dict[str, Any]]:
    """What an Open311 operation answers: its document in both formats, GeoReport errors in
    both formats, and what the shared layer refuses before any route (413, 414, 422, 431) in
    the shared ``Error`` shape (docs/api.md)."""
    both = {"application/json": {"schema": {}}, "text/xml": _XML}
    answers: dict[int | str, dict[str, Any]] = {
        success: {"description": "The document, in the format the path names", "content": both}}
    if success == 201:
        answers[200] = {"description": "A replay of the same filing (same api_key and "
                                       "Idempotency-Key)", "content": both}
    for code, description in _ERRORS.items():
        answers[code] = {"description": description, "content": {
            "application/json": {"schema": _ERRORS_SCHEMA}, "text/xml": _XML}}
        if code in (429, 503):
            answers[code]["headers"] = {"Retry-After": {
                "description": "Seconds to wait before retrying", "schema": {"type": "integer"}}}
    for code, description in ((413, "The body is larger than the limit"),
                              (414, "The URI is longer than the limit"),
                              (422, "A NUL in a query parameter (`invalid_parameter`)"),
                              (431, "The headers are larger than the limit")):
        answers[code] = {"description": description, "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    return answers


class Open311Route(APIRoute):
    """Every failure of an Open311 route is answered in Open311's error format; parameters a
    route does not read are ignored, as GeoReport v2 lets clients send ``jurisdiction_id``,
    ``api_key`` and extensions to any server (shared.http.query)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        kwargs["openapi_extra"] = {OPEN_QUERY: True, "x-own-errors": True,
                                   **(kwargs.get("openapi_extra") or {})}
        kwargs["responses"] = {**_documented(kwargs.get("status_code") or 200),
                               **(kwargs.get("responses") or {})}
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            fmt = _format_of(request)
            try:
                try:
                    return await handler(request)
                except SuaraError as exc:
                    raise wire.from_suara(exc) from exc
            except Open311Error as exc:
                return errors(fmt, exc.status_code, exc.descriptions, headers=exc.headers)
            except Exception as exc:
                if database_unreachable(exc):  # nothing was stored: the client may retry
                    log.error("open311.database_unavailable", path=request.url.path,
                              error=type(exc).__name__)
                    return errors(fmt, 503, ["The database is unavailable; nothing was "
                                             "stored. Retry shortly."],
                                  headers={"Retry-After": "5"})
                # anything else is logged, then answered as the spec's general error
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


def _locale(request: Request) -> str:
    first = request.headers.get("accept-language", "").split(",")[0].strip().lower()
    return "en" if first.startswith("en") else "id"


# -- discovery and services ------------------------------------------------------------------

@router.get("/discovery.{fmt}", response_class=Response,
            summary="Service discovery: the endpoint, its formats, how to get an API key")
async def discovery(request: Request, fmt: str, catalogue: Catalogue) -> Response:
    fmt = _format(fmt)
    facts = await catalogue.discovery()
    changeset, production = w3c(facts.changed_at), facts.production
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
async def services(request: Request, fmt: str, catalogue: Catalogue) -> Response:
    fmt, locale = _format(fmt), _locale(request)
    return render(fmt, "services", [wire.service(e.category, e.agency, locale)
                                    for e in await catalogue.entries()])


@router.get("/services/{service_code}.{fmt}", response_class=Response,
            summary="A service definition: the attributes a request must or may answer")
async def service_definition(request: Request, service_code: str, fmt: str,
                             catalogue: Catalogue) -> Response:
    fmt = _format(fmt)
    try:
        category = await catalogue.active_category(service_code)
    except UnknownCategory:
        raise Open311Error(404, f"service_code {service_code!r} was not found.") from None
    return render(fmt, "service_definition",
                  wire.service_definition(category, _locale(request)))


# -- POST requests ---------------------------------------------------------------------------

_FORM_FIELDS = ("api_key", "service_code", "lat", "long", "address_string", "address_id",
                "email", "first_name", "last_name", "phone", "description", "media_url")


@router.post("/requests.{fmt}", response_class=Response, status_code=201,
             summary="Create a service request (form-encoded; api_key required)",
             dependencies=[rate_limit("filing")],
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/x-www-form-urlencoded": {"schema": {
                     "type": "object", "required": ["api_key", "service_code"],
                     "properties": {name: {"type": "string"} for name in _FORM_FIELDS},
                     "additionalProperties": {"type": "string", "description":
                                              "attribute[code] and attribute[code][]"}}}}}})
async def create_request(request: Request, fmt: str, public: Public) -> Response:
    fmt, locale = _format(fmt), _locale(request)
    form = await wire.read_form(request)
    client = await public.client(api_key=form.fields.get("api_key"))  # in the body, not the URL
    fields = wire.complaint_fields(form, locale)  # its 400s before a 404, as the spec lists
    try:
        filed = await public.file_request(client=client, fields=fields, locale=locale)
    except ValidationError as exc:
        raise wire.from_validation(exc) from None
    due = w3c(filed.receipt.deadlines.resolve_by)
    agency = filed.entry.agency
    who = wire.name_in(agency, "name", locale) if agency else filed.entry.category.agency_id
    receipt = filed.receipt
    link = public.tracking_url(receipt.tracking_code)
    notice = (f"{who} will handle this request; expected by {due}. Tracking code "
              f"{receipt.tracking_code}: follow it at {link} with the token." if locale == "en"
              else f"{who} akan menindaklanjuti laporan ini; target selesai {due}. Kode lacak "
              f"{receipt.tracking_code}: pantau di {link} dengan token.")
    return render(fmt, "service_requests", [{"service_request_id": receipt.complaint_id,
                                             "token": receipt.token,
                                             "tracking_code": receipt.tracking_code,
                                             "service_notice": notice, "account_id": None}],
                  status_code=200 if receipt.replayed else 201,
                  headers={"Cache-Control": "no-store"})


# -- GET requests ----------------------------------------------------------------------------

@router.get("/requests.{fmt}", response_class=Response,
            summary="Service requests: by id, or by service, status and date (90 days at most)")
async def list_requests(request: Request, fmt: str, public: Public) -> Response:
    fmt = _format(fmt)
    filters = wire.request_filters(request.query_params, public.now())
    found = await public.requests(filters=filters, limit=wire.MAX_REQUESTS)
    return render(fmt, "service_requests", [wire.service_request(r, _locale(request))
                                            for r in found.requests])


@router.get("/requests/{service_request_id}.{fmt}", response_class=Response,
            summary="One service request")
async def get_request(request: Request, service_request_id: str, fmt: str,
                      public: Public) -> Response:
    fmt = _format(fmt)
    found = await public.requests(filters=PublicFilters(ids=[service_request_id]), limit=1)
    if not found.requests:
        raise Open311Error(404, f"service_request_id {service_request_id!r} was not found.")
    return render(fmt, "service_requests", [wire.service_request(r, _locale(request))
                                            for r in found.requests])


@router.get("/tokens/{token}.{fmt}", response_class=Response,
            summary="The service_request_id of a token (here the token is that id)")
async def get_token(token: str, fmt: str, public: Public) -> Response:
    fmt = _format(fmt)
    found = await public.requests(filters=PublicFilters(ids=[token]), limit=1)
    if not found.requests:
        raise Open311Error(404, f"token {token!r} was not found.")
    return render(fmt, "service_requests", [{"service_request_id": found.requests[0].complaint.id,
                                             "token": token}])


# -- anything else under /open311/v2 ---------------------------------------------------------

@router.api_route("/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                  response_class=Response, include_in_schema=False)
async def unknown(request: Request, path: str) -> Response:
    """Not FastAPI's JSON 404/405: Open311's error list, in the format the path asks for."""
    fmt = _format_of(request)
    methods = {m for route in router.routes if isinstance(route, APIRoute)
               and route.matches(request.scope)[0] is Match.PARTIAL for m in route.methods or ()}
    if methods:  # a known resource, another method: 400, the spec's "any other error"
        allowed = ", ".join(sorted(methods))
        return errors(fmt, 400, [f"Use {allowed} on this resource."],
                      headers={"Allow": allowed})
    return errors(fmt, 404, [f"No Open311 resource at {request.url.path}; resources end in "
                             ".xml or .json."])
