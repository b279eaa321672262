"""Open311 GeoReport v2 on the wire: its form and query read into Suara's terms, and its
documents written out as XML (the format the spec requires) or JSON (the spec's "Spark
convention" mapping of the same XML), both UTF-8.

A document is plain data: dicts, lists and scalars. In XML a list is an element holding one
child per item, named after the list (``services`` holds ``service`` elements, see ``ITEMS``);
in JSON it is an array, and a document whose root is a list is a bare array, as in the spec.
Dates are the W3C profile of ISO 8601 in UTC with ``Z``: the timezone the spec requires is
always there. Nothing here touches the database.
"""

from __future__ import annotations

import json
import math
import mimetypes
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from xml.etree.ElementTree import Element, SubElement, tostring

from fastapi import Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.datastructures import QueryParams

from services.complaints.disclosure import public_view
from services.complaints.records import PublicFilters, PublicRequest
from shared.errors import SuaraError
from shared.events.complaints import IntakeChannel

FORMATS = ("xml", "json")
MEDIA_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
#: The element name of a list's items in XML.
ITEMS = {"services": "service", "service_requests": "request", "attributes": "attribute",
         "values": "value", "endpoints": "endpoint", "formats": "format", "errors": "error"}
MAX_REQUESTS = 1000
MAX_SPAN = timedelta(days=90)
MAX_FORM_BYTES = 64 * 1024
_XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
#: Characters XML 1.0 cannot carry, even escaped; a stored description could hold them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")


class Open311Error(Exception):
    """Answered as the spec's error list with this HTTP status, one entry per description."""

    def __init__(self, status_code: int, *descriptions: str,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(*descriptions)
        self.status_code = status_code
        self.descriptions = descriptions
        self.headers = headers


# -- writing ---------------------------------------------------------------------------------

def w3c(value: datetime) -> str:
    """``2010-01-01T00:00:00Z``: the spec's date format, timezone included (every stored
    time is aware, ``UtcDateTime``)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")



def render(fmt: str, root: str, document: Any, *, status_code: int = 200,
           headers: dict[str, str] | None = None) -> Response:
    if fmt == "json":
        content = json.dumps(document, ensure_ascii=False).encode("utf-8")
    else:
        element = Element(root)
        _fill(element, document)
        content = _XML_DECLARATION + tostring(element, encoding="utf-8", xml_declaration=False)
    return Response(content, status_code=status_code, media_type=MEDIA_TYPES[fmt],
                    headers=headers)


def errors(fmt: str, status_code: int, descriptions: Sequence[str], *,
           headers: dict[str, str] | None = None) -> Response:
    """The spec's error list. Each ``code`` is the HTTP status, as in the spec's example; the
    description says what was wrong, naming the Open311 field."""
    document = [{"code": status_code, "description": d} for d in descriptions]
    return render(fmt, "errors", document, status_code=status_code, headers=headers)


def _fill(element: Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _fill(SubElement(element, key), item)
    elif isinstance(value, list):
        for item in value:
            _fill(SubElement(element, ITEMS[element.tag]), item)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = _NOT_XML.sub("", str(value))


def name_in(row: Any, prefix: str, locale: str) -> str | None:
    """``name_en`` for English when there is one, else the Indonesian ``name_id``."""
    name: str | None = getattr(row, f"{prefix}_{locale}") or getattr(row, f"{prefix}_id")
    return name


def service(row: Any, agency: Any, locale: str) -> dict[str, Any]:
    return {"service_code": row.code, "service_name": name_in(row, "name", locale),
            "description": name_in(row, "description", locale),
            "metadata": bool(row.attributes), "type": "realtime",
            "keywords": ", ".join(row.keywords),
            "group": name_in(agency, "name", locale) if agency else None}


_DATATYPES = {
    "number": "A number, e.g. 12.5",
    "datetime": "An ISO 8601 date-time with its timezone, e.g. 2026-01-31T09:00:00+07:00",
    "multivaluelist": "One or more keys: attribute[code][]=key1&attribute[code][]=key2",
}


def service_definition(row: Any, locale: str) -> dict[str, Any]:
    ordered = sorted(enumerate(row.attributes), key=lambda p: (p[1].get("order", 0), p[0]))
    return {"service_code": row.code, "attributes": [{
        "variable": True, "code": d["code"], "datatype": d["datatype"],
        "required": bool(d.get("required")),
        "datatype_description": _DATATYPES.get(d["datatype"]),
        "order": position,  # the spec wants distinct positive integers, 1 shown first
        "description": (locale == "en" and d.get("description_en")) or d["description"],
        "values": [{"key": v["key"], "name": v.get("name", v["key"])}
                   for v in d.get("values", [])],
    } for position, (_, d) in enumerate(ordered, start=1)]}


_WITHHELD = {"id": "Laporan rahasia: isi dan lokasi tepatnya tidak dipublikasikan.",
             "en": "Confidential report: its content and exact location are not published."}


def service_request(r: PublicRequest, locale: str) -> dict[str, Any]:
    """A listed complaint as a service request, as ``disclosure`` lets the public see it: no
    reporter field exists here, and a confidential or anonymous report has no content or
    exact location."""
    v = public_view(r)
    return {
        "service_request_id": v.id,
        "status": "closed" if v.finished else "open",
        "status_notes": v.staff_reply,
        "service_name": name_in(r, "service_name", locale),
        "service_code": v.category_code, "description": v.description,
        "agency_responsible": name_in(r, "agency_name", locale) if v.agency_name_id
        else v.agency_id,
        "service_notice": _WITHHELD[locale] if v.withheld else None,
        "requested_datetime": w3c(v.filed_at),
        "updated_datetime": w3c(v.updated_at), "expected_datetime": w3c(v.expected_at),
        "address": v.address, "address_id": v.district, "zipcode": None,
        "lat": v.lat, "long": v.long, "media_url": v.media_url,
    }


# -- reading a POST --------------------------------------------------------------------------

@dataclass
class Form:
    """A form-encoded POST: the scalar fields, and the ``attribute[code]`` answers."""

    fields: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, str | list[str]] = field(default_factory=dict)


async def read_form(request: Request) -> Form:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/x-www-form-urlencoded":
        raise Open311Error(400, "Send the request as application/x-www-form-urlencoded.")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise Open311Error(400, f"The form is larger than {MAX_FORM_BYTES} bytes.")
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=500,
                          errors="strict")
    except ValueError:  # not UTF-8 (UnicodeDecodeError), or too many fields
        raise Open311Error(400, "The form is not UTF-8 form-urlencoded data of at most 500 "
                           "fields.") from None
    form, problems = Form(), []
    answers: dict[str, list[str]] = {}
    many: set[str] = set()
    for name, raw in pairs:
        value = raw.strip()
        if match := _ATTRIBUTE.match(name):
            code = match.group(1)
            answers.setdefault(code, [])
            if match.group(2):
                many.add(code)
            if value:
                answers[code].append(value)
        elif name.startswith("attribute"):
            problems.append(f"{name}: send attribute[code]=value, or attribute[code][]=value "
                            "for each value of a multivaluelist.")
        elif name in form.fields and value:
            problems.append(f"{name} was given more than once.")
        elif value:  # an empty optional argument is the same as none (the spec's rule)
            form.fields[name] = value
    if problems:
        raise Open311Error(400, *problems)
    form.attributes = {code: values if code in many or len(values) > 1 else values[0]
                       for code, values in answers.items() if values}
    return form


def complaint_fields(form: Form, locale: str) -> dict[str, Any]:
    """The form as ComplaintCreate's fields, but the title; every problem at once, as a 400."""
    f, problems = form.fields, []
    if not f.get("service_code"):
        problems.append("service_code was not provided.")
    location: dict[str, Any] = {"address": f.get("address_string"),
                                "region_code": f.get("address_id")}
    if ("lat" in f) != ("long" in f):
        problems.append("lat and long must be sent together.")
    for name, limit in (("lat", 90), ("long", 180)):
        if name in f:
            try:
                value = float(f[name])
            except ValueError:
                value = math.nan
            if not -limit <= value <= limit:  # NaN fails too
                problems.append(f"{name} must be a WGS84 coordinate between -{limit} and "
                                f"{limit}.")
            location[name] = value
    if not (("lat" in f and "long" in f) or f.get("address_string") or f.get("address_id")):
        problems.append("A location is required: lat and long, address_string or address_id.")
    if problems:
        raise Open311Error(400, *problems)
    full_name = " ".join(f[k] for k in ("first_name", "last_name") if f.get(k)) or None
    reporter = {"name": full_name, "email": f.get("email"), "phone": _e164(f.get("phone"))}
    media = f.get("media_url")
    return {
        "description": f.get("description"), "category_code": f["service_code"],
        "location": location, "channel": IntakeChannel.OPEN311, "locale": locale,
        "reporter": reporter if any(reporter.values()) else None,
        "attributes": form.attributes,
        "attachments": [{"url": media, "media_type": _media_type(media), "size_bytes": 0}]
        if media else [],
    }


def _e164(phone: str | None) -> str | None:
    """Indonesian numbers as people write them (0812-3456-7890) in E.164 (+6281234567890)."""
    if not phone:
        return None
    number = re.sub(r"[\s().\-/]", "", phone)
    if number.startswith("00"):
        return "+" + number[2:]
    if number.startswith("0"):
        return "+62" + number[1:]
    if number.startswith("62"):
        return "+" + number
    return number


def _media_type(url: str) -> str:
    guessed = mimetypes.guess_type(urlsplit(url).path)[0] or ""
    if re.fullmatch(r"[a-z]+/[a-z0-9.+-]+", guessed):
        return guessed
    return "application/octet-stream"


#: ComplaintCreate's fields by the name the Open311 client used.
_FIELDS = {"title": "description", "description": "description",
           "category_code": "service_code", "location.lat": "lat", "location.long": "long",
           "location.address": "address_string", "location.region_code": "address_id",
           "location": "lat/long", "reporter.name": "first_name/last_name",
           "reporter.email": "email", "reporter.phone": "phone", "reporter": "email/phone",
           "attachments.0.url": "media_url"}
_HINTS = {"address_id": "expected a Kemendagri region code, e.g. 32.73.01.1001",
          "phone": "expected a phone number, e.g. +6281234567890 or 081234567890"}


def _open311_field(name: str) -> str:
    if name.startswith("attributes."):
        return f"attribute[{name.removeprefix('attributes.')}]"
    return _FIELDS.get(name, name)


def from_validation(exc: ValidationError) -> Open311Error:
    found: dict[str, str] = {}
    for e in exc.errors():
        name = _open311_field(".".join(str(p) for p in e["loc"]))
        found.setdefault(name, _HINTS.get(name) or e["msg"])
    return Open311Error(400, *(f"{name}: {message}" for name, message in found.items()))


def from_suara(exc: SuaraError) -> Open311Error:
    """A service refusal in Open311 terms: 404, 403 and 429 (with its ``Retry-After``) stay,
    anything else is a 400."""
    if exc.code == "unknown_category":
        return Open311Error(404, f"service_code was not found: {exc.message}")
    if exc.status_code == 429:
        return Open311Error(429, exc.message, headers=dict(exc.headers))
    status = exc.status_code if exc.status_code in (403, 404) else 400
    name = exc.extra.get("field")
    return Open311Error(status, f"{_open311_field(name)}: {exc.message}" if name
                        else exc.message)


# -- reading a GET requests query ------------------------------------------------------------

def request_filters(query: QueryParams, now: datetime) -> PublicFilters:
    def listed(name: str) -> list[str]:
        return list(dict.fromkeys(v.strip() for raw in query.getlist(name)
                                  for v in raw.split(",") if v.strip()))

    ids = listed("service_request_id")
    if ids:  # "this overrides all other arguments"
        if len(ids) > MAX_REQUESTS:
            raise Open311Error(400, f"At most {MAX_REQUESTS} service_request_id at once.")
        return PublicFilters(ids=ids)
    statuses = set(listed("status"))
    problems = [f"status {s!r} is not one of open, closed." for s in sorted(statuses)
                if s not in ("open", "closed")]
    start, end = (_date(query.get(name), name, problems) for name in ("start_date", "end_date"))
    if problems:
        raise Open311Error(400, *problems)
    if start and end:
        if end < start:
            raise Open311Error(400, "end_date is before start_date.")
        if end - start > MAX_SPAN:
            raise Open311Error(400, "start_date and end_date may not span more than 90 days.")
    elif start:
        end = start + MAX_SPAN
    else:  # the spec's default: the most recent 90 days
        end = end or now
        start = end - MAX_SPAN
    return PublicFilters(service_codes=listed("service_code"), start=start, end=end,
                          closed=None if len(statuses) != 1 else statuses == {"closed"})


def _date(raw: str | None, name: str, problems: list[str]) -> datetime | None:
    if not raw or not raw.strip():
        return None
    text = raw.strip().replace(" ", "+")  # an unencoded "+07:00" arrives as " 07:00"
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        problems.append(f"{name} must be a W3C date-time with a timezone, "
                        "e.g. 2026-01-31T00:00:00Z or 2026-01-31T07:00:00+07:00.")
        return None
    return value.astimezone(UTC)
