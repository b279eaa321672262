"""Open311 GeoReport v2 as a client sees it: every resource in JSON and XML, checked against the
element names of the spec (wiki.open311.org/GeoReport_v2), and errors in the spec's format."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import update

from services.complaints.models import api_keys
from shared.auth import Role

BASE = "/open311/v2"
FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
W3C = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")

# the element names of each resource, as the spec lists them
SERVICE = {"service_code", "service_name", "description", "metadata", "type", "keywords",
           "group"}
ATTRIBUTE = {"variable", "code", "datatype", "required", "datatype_description", "order",
             "description", "values"}
REQUEST = {"service_request_id", "status", "status_notes", "service_name", "service_code",
           "description", "agency_responsible", "service_notice", "requested_datetime",
           "updated_datetime", "expected_datetime", "address", "address_id", "zipcode", "lat",
           "long", "media_url"}
DATES = ("requested_datetime", "updated_datetime", "expected_datetime")
REPORTER = ("Siti Aminah", "siti@example.id", "+6281234567890", "81234567890")


def xml(response) -> ET.Element:
    assert response.headers["content-type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(response.content)


def json_of(response):
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    return response.json()


def children(element: ET.Element) -> set[str]:
    return {child.tag for child in element}


def assert_errors(response, status: int, *, fmt: str = "json", says: str = "") -> list[str]:
    """The spec's error list, in the format asked for; returns the descriptions."""
    assert response.status_code == status, response.text
    if fmt == "xml":
        root = xml(response)
        assert root.tag == "errors" and [e.tag for e in root] == ["error"] * len(root)
        found = [(e.findtext("code"), e.findtext("description")) for e in root]
        assert found and all(children(e) == {"code", "description"} for e in root)
        assert all(code == str(status) for code, _ in found)
        descriptions = [d for _, d in found]
    else:
        body = json_of(response)
        assert isinstance(body, list) and body
        assert all(set(e) == {"code", "description"} and e["code"] == status for e in body)
        descriptions = [e["description"] for e in body]
    assert says.lower() in " ".join(descriptions).lower(), descriptions
    return descriptions


async def new_api_key(api) -> tuple[str, str]:
    r = await api.client.post("/v1/api-keys", json={"name": "Aplikasi Lapor Warga"},
                              headers=api.token(Role.ADMIN, sub="root"))
    assert r.status_code == 201, r.text
    return r.json()["id"], r.json()["api_key"]


async def post_request(api, key: str | None, fmt: str = "json", **fields):
    form = {"service_code": "JALAN-RUSAK", "lat": "-6.9175", "long": "107.6191",
            "address_string": "Jl. Merdeka No. 5, Bandung",
            "description": "Lubang besar di depan sekolah,\nberbahaya untuk motor.",
            "attribute[severity]": "heavy", "first_name": "Siti", "last_name": "Aminah",
            "email": "siti@example.id", "phone": "0812-3456-7890",
            "media_url": "https://foto.example.id/lubang.jpg"} | fields
    if key is not None:
        form["api_key"] = key
    form = {k: v for k, v in form.items() if v is not None}
    return await api.client.post(f"{BASE}/requests.{fmt}", data=form, headers=FORM)


async def act(api, complaint_id: str, action: str, body: dict) -> None:
    r = await api.client.post(f"/v1/complaints/{complaint_id}/{action}", json=body,
                              headers=api.token(Role.ADMIN, sub="root"))
    assert r.status_code == 200, r.text


# -- discovery and services ------------------------------------------------------------------

async def test_discovery_in_json_and_xml(api):
    body = json_of(await api.client.get(f"{BASE}/discovery.json"))
    assert set(body) == {"changeset", "contact", "key_service", "endpoints"}
    [endpoint] = body["endpoints"]
    assert set(endpoint) == {"specification", "url", "changeset", "type", "formats"}
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://complaints/open311/v2"
    assert endpoint["type"] == "test"
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}

    root = xml(await api.client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    assert children(root) == {"changeset", "contact", "key_service", "endpoints"}
    [endpoint] = root.find("endpoints")
    assert endpoint.tag == "endpoint"
    assert children(endpoint) == {"specification", "url", "changeset", "type", "formats"}
    assert [f.tag for f in endpoint.find("formats")] == ["format", "format"]


async def test_services_in_json_and_xml(api):
    body = json_of(await api.client.get(f"{BASE}/services.json"))
    by_code = {s["service_code"]: s for s in body}
    assert set(by_code) == {"JALAN-RUSAK", "IZIN-USAHA"}
    assert all(set(s) == SERVICE for s in body)
    road = by_code["JALAN-RUSAK"]
    assert road["service_name"] == "Jalan rusak" and road["metadata"] is True
    assert road["type"] == "realtime" and road["group"] == "Dinas PUPR Kota Bandung"
    assert by_code["IZIN-USAHA"]["metadata"] is False

    english = await api.client.get(f"{BASE}/services.json",
                                   headers={"Accept-Language": "en-US,en;q=0.8"})
    assert {s["service_name"] for s in english.json()} == {"Damaged road", "Business permits"}

    root = xml(await api.client.get(f"{BASE}/services.xml"))
    assert root.tag == "services" and {s.tag for s in root} == {"service"}
    assert all(children(s) == SERVICE for s in root)
    road = next(s for s in root if s.findtext("service_code") == "JALAN-RUSAK")
    assert road.findtext("metadata") == "true" and road.findtext("type") == "realtime"


async def test_service_definition_in_json_and_xml(api):
    body = json_of(await api.client.get(f"{BASE}/services/JALAN-RUSAK.json"))
    assert set(body) == {"service_code", "attributes"} and body["service_code"] == "JALAN-RUSAK"
    [severity] = body["attributes"]
    assert set(severity) == ATTRIBUTE
    assert severity | {"values": None} == {
        "variable": True, "code": "severity", "datatype": "singlevaluelist", "required": True,
        "datatype_description": None, "order": 1, "description": "Tingkat kerusakan",
        "values": None}
    assert severity["values"] == [{"key": "light", "name": "Ringan"},
                                  {"key": "heavy", "name": "Berat"}]

    root = xml(await api.client.get(f"{BASE}/services/JALAN-RUSAK.xml"))
    assert root.tag == "service_definition"
    assert children(root) == {"service_code", "attributes"}
    [attribute] = root.find("attributes")
    assert attribute.tag == "attribute" and children(attribute) == ATTRIBUTE
    assert attribute.findtext("required") == "true" and attribute.findtext("order") == "1"
    values = attribute.find("values")
    assert [v.tag for v in values] == ["value", "value"]
    assert [(v.findtext("key"), v.findtext("name")) for v in values] == [
        ("light", "Ringan"), ("heavy", "Berat")]

    empty = json_of(await api.client.get(f"{BASE}/services/IZIN-USAHA.json"))
    assert empty == {"service_code": "IZIN-USAHA", "attributes": []}


async def test_an_unknown_service_is_a_404_in_open311_format(api):
    for fmt in ("json", "xml"):
        r = await api.client.get(f"{BASE}/services/NOPE.{fmt}")
        assert_errors(r, 404, fmt=fmt, says="service_code")


# -- POST requests ---------------------------------------------------------------------------

async def test_a_request_posted_form_encoded_is_filed_as_a_complaint(api):
    _, key = await new_api_key(api)
    r = await post_request(api, key)
    assert r.status_code == 201, r.text
    [created] = json_of(r)
    assert set(created) == {"service_request_id", "token", "tracking_code", "service_notice",
                            "account_id"}
    assert "Dinas PUPR Kota Bandung" in created["service_notice"]
    assert created["tracking_code"] in created["service_notice"]
    assert created["token"] not in created["service_notice"]
    assert r.headers["cache-control"] == "no-store"
    request_id = created["service_request_id"]
    assert isinstance(request_id, str)
    # the filer can follow the complaint as a REST filer does: tracking code and token
    track = await api.client.get(f"/v1/track/{created['tracking_code']}",
                                 headers={"X-Tracking-Token": created["token"]})
    assert track.status_code == 200, track.text
    reply = await api.client.post(f"/v1/track/{created['tracking_code']}/reply",
                                  json={"body": "Terima kasih."},
                                  headers={"X-Tracking-Token": created["token"]})
    assert reply.status_code in (200, 201), reply.text

    staff = (await api.client.get(f"/v1/complaints/{request_id}",
                                  headers=api.token(Role.ADMIN, sub="root"))).json()
    assert staff["channel"] == "open311" and staff["category_code"] == "JALAN-RUSAK"
    assert staff["title"].startswith("Jalan rusak: Lubang besar di depan sekolah,")
    assert staff["description"] == "Lubang besar di depan sekolah,\nberbahaya untuk motor."
    assert staff["attributes"] == {"severity": "heavy"}
    assert staff["location"]["address"] == "Jl. Merdeka No. 5, Bandung"
    assert staff["reporter"] == {"name": "Siti Aminah", "email": "siti@example.id",
                                 "phone": "+6281234567890"}
    assert [a["url"] for a in staff["attachments"]] == ["https://foto.example.id/lubang.jpg"]
    assert staff["audit"][0]["action"] == "file"
    assert "complaint.filed.v1" in await api.outbox_types(request_id)

    xml_answer = await post_request(api, key, fmt="xml", description="Aspal mengelupas.")
    assert xml_answer.status_code == 201, xml_answer.text
    root = xml(xml_answer)
    assert root.tag == "service_requests" and [c.tag for c in root] == ["request"]
    assert children(root[0]) == {"service_request_id", "token", "tracking_code",
                                 "service_notice", "account_id"}
    assert root[0].findtext("service_request_id") and root[0].findtext("token")


async def test_multivaluelist_answers_come_as_repeated_fields(api):
    admin = api.token(Role.ADMIN, sub="root")
    category = {"code": "SAMPAH", "agency_id": "dpupr-bdg", "name_id": "Sampah menumpuk",
                "name_en": "Uncollected waste", "attributes": [
                    {"code": "kinds", "datatype": "multivaluelist", "required": True,
                     "description": "Jenis sampah", "order": 2,
                     "values": [{"key": "organic", "name": "Organik"},
                                {"key": "plastic", "name": "Plastik"},
                                {"key": "b3", "name": "B3"}]},
                    {"code": "volume", "datatype": "number", "description": "Perkiraan m3",
                     "order": 1}]}
    assert (await api.client.post("/v1/categories", json=category, headers=admin)
            ).status_code == 201
    definition = (await api.client.get(f"{BASE}/services/SAMPAH.json")).json()
    assert [(a["code"], a["order"]) for a in definition["attributes"]] == [
        ("volume", 1), ("kinds", 2)]
    _, key = await new_api_key(api)
    body = (f"api_key={quote(key)}&service_code=SAMPAH&address_string=Pasar+Baru"
            "&description=Sampah+tidak+diangkut&attribute[kinds][]=organic"
            "&attribute[kinds][]=plastic&attribute%5Bvolume%5D=3.5")
    r = await api.client.post(f"{BASE}/requests.json", content=body, headers=FORM)
    assert r.status_code == 201, r.text
    request_id = r.json()[0]["service_request_id"]
    staff = (await api.client.get(f"/v1/complaints/{request_id}", headers=admin)).json()
    assert staff["attributes"] == {"kinds": ["organic", "plastic"], "volume": 3.5}

    r = await api.client.post(f"{BASE}/requests.json", headers=FORM, content=body.replace(
        "plastic", "glass"))
    assert_errors(r, 400, says="attribute[kinds]")


async def test_a_missing_invalid_or_revoked_api_key_is_a_403(api):
    key_id, key = await new_api_key(api)
    async with api.app.state.runtime.engine.begin() as conn:
        await conn.execute(update(api_keys).where(api_keys.c.id == key_id)
                           .values(revoked_at=datetime.now(UTC)))
    for fmt in ("json", "xml"):
        for bad in (None, "", "not-a-key", key):
            r = await post_request(api, bad, fmt=fmt)
            assert_errors(r, 403, fmt=fmt, says="api_key")
    assert await api.outbox_types() == []


BAD_FORMS = [
    ({"service_code": "NOPE"}, 404, "service_code"),
    ({"service_code": None}, 400, "service_code was not provided"),
    ({"attribute[severity]": None}, 400, "attribute[severity]"),
    ({"attribute[severity]": "catastrophic"}, 400, "attribute[severity]"),
    ({"attribute[colour]": "red"}, 400, "attribute[colour]"),
    ({"lat": None, "long": None, "address_string": None}, 400, "location is required"),
    ({"lat": "north", "address_string": None}, 400, "lat must be"),
    ({"lat": "91"}, 400, "lat must be"),
    ({"lat": "nan"}, 400, "lat must be"),
    ({"long": None}, 400, "lat and long"),
    ({"email": "siti-at-example"}, 400, "email"),
    ({"phone": "call me"}, 400, "phone"),
    ({"media_url": "not a url"}, 400, "media_url"),
    ({"description": "<script>alert(1)</script>"}, 400, "description"),
    ({"description": "x" * 4001}, 400, "description"),
    ({"address_id": "somewhere", "lat": None, "long": None, "address_string": None}, 400,
     "address_id"),
]


async def test_a_bad_request_is_refused_in_open311_format(api):
    _, key = await new_api_key(api)
    for fields, status, says in BAD_FORMS:
        for fmt in ("json", "xml"):
            r = await post_request(api, key, fmt=fmt, **fields)
            assert_errors(r, status, fmt=fmt, says=says)
    assert await api.outbox_types() == []  # nothing filed


async def test_every_problem_of_a_form_is_listed_at_once(api):
    _, key = await new_api_key(api)
    r = await post_request(api, key, fmt="xml", service_code=None, lat=None, long="1",
                           address_string=None)
    found = assert_errors(r, 400, fmt="xml")
    assert len(found) == 3, found  # no service_code, lat without long, no location


async def test_only_form_encoded_posts_are_understood(api):
    _, key = await new_api_key(api)
    r = await api.client.post(f"{BASE}/requests.json", json={"api_key": key})
    assert_errors(r, 400, says="x-www-form-urlencoded")
    r = await api.client.post(f"{BASE}/requests.xml", content=b"api_key=\xff\xfe", headers=FORM)
    assert_errors(r, 400, fmt="xml", says="utf-8")
    r = await api.client.post(f"{BASE}/requests.xml", headers=FORM,
                              content="&".join(f"f{i}=x" for i in range(501)))
    assert_errors(r, 400, fmt="xml", says="500 fields")
    r = await post_request(api, key, **{"attribute[severity": "heavy"})
    assert_errors(r, 400, says="attribute[code]")
    r = await api.client.post(f"{BASE}/requests.json", headers=FORM,
                              content=f"api_key={key}&service_code=A&service_code=B")
    assert_errors(r, 400, says="more than once")


async def test_an_address_id_is_a_region_code_published_at_district_level(api):
    _, key = await new_api_key(api)
    r = await post_request(api, key, lat=None, long=None, address_string=None,
                           address_id="32.73.01.1001", description=None)
    assert r.status_code == 201, r.text
    request_id = r.json()[0]["service_request_id"]
    staff = (await api.client.get(f"/v1/complaints/{request_id}",
                                  headers=api.token(Role.ADMIN, sub="root"))).json()
    assert staff["location"]["region_code"] == "32.73.01.1001"
    await act(api, request_id, "verify", {})
    [read] = (await api.client.get(f"{BASE}/requests/{request_id}.json")).json()
    assert read["address_id"] == "32.73.01" and read["lat"] is None  # never the village
    assert read["description"] == "Jalan rusak"  # no description: the service name


# -- GET requests ----------------------------------------------------------------------------

async def test_a_request_reads_back_in_json_and_xml(api):
    _, key = await new_api_key(api)
    request_id = (await post_request(api, key)).json()[0]["service_request_id"]
    await act(api, request_id, "verify", {})
    await act(api, request_id, "start", {})
    await act(api, request_id, "respond", {"body": "Perbaikan dijadwalkan minggu depan."})
    await act(api, request_id, "notes", {"body": "Catatan internal tim survei."})

    [read] = json_of(await api.client.get(f"{BASE}/requests/{request_id}.json"))
    assert set(read) == REQUEST
    assert read["service_request_id"] == request_id and read["status"] == "open"
    assert read["status_notes"] == "Perbaikan dijadwalkan minggu depan."
    assert read["service_code"] == "JALAN-RUSAK" and read["service_name"] == "Jalan rusak"
    assert read["agency_responsible"] == "Dinas PUPR Kota Bandung"
    assert read["address"] == "Jl. Merdeka No. 5, Bandung"
    assert (read["lat"], read["long"]) == (-6.9175, 107.6191)
    assert read["media_url"] == "https://foto.example.id/lubang.jpg"
    for name in DATES:
        assert W3C.match(read[name]), read[name]
        assert datetime.fromisoformat(read[name]).tzinfo is not None
    assert read["expected_datetime"] > read["requested_datetime"]

    root = xml(await api.client.get(f"{BASE}/requests/{request_id}.xml"))
    assert root.tag == "service_requests" and [c.tag for c in root] == ["request"]
    request = root[0]
    assert children(request) == REQUEST
    assert request.findtext("status") == "open"
    assert request.findtext("service_request_id") == request_id
    assert all(W3C.match(request.findtext(name)) for name in DATES)
    assert "Catatan internal" not in (await api.client.get(
        f"{BASE}/requests/{request_id}.xml")).text

    [token] = json_of(await api.client.get(f"{BASE}/tokens/{request_id}.json"))
    assert token == {"service_request_id": request_id, "token": request_id}
    root = xml(await api.client.get(f"{BASE}/tokens/{request_id}.xml"))
    assert root.tag == "service_requests"
    assert children(root[0]) == {"service_request_id", "token"}


async def test_unknown_requests_tokens_and_routes_are_404s_in_open311_format(api):
    for fmt in ("json", "xml"):
        assert_errors(await api.client.get(f"{BASE}/requests/nope.{fmt}"), 404, fmt=fmt,
                      says="service_request_id")
        assert_errors(await api.client.get(f"{BASE}/tokens/nope.{fmt}"), 404, fmt=fmt,
                      says="token")
        assert_errors(await api.client.get(f"{BASE}/nothing.{fmt}"), 404, fmt=fmt)
    assert_errors(await api.client.get(f"{BASE}/services"), 404, fmt="xml")
    assert_errors(await api.client.get(f"{BASE}/services.html"), 404, fmt="xml",
                  says="format")
    r = await api.client.delete(f"{BASE}/requests.json")
    assert_errors(r, 400, says="GET, POST")
    assert set(r.headers["allow"].split(", ")) == {"GET", "POST"}


async def test_an_unexpected_failure_is_the_specs_general_error_not_a_500(api, monkeypatch):
    async def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr("services.complaints.repository.list_categories", broken)
    for fmt in ("json", "xml"):
        r = await api.client.get(f"{BASE}/services.{fmt}")
        assert_errors(r, 400, fmt=fmt, says="general service error")
        assert "database went away" not in r.text


async def test_the_open311_routes_are_documented(api):
    paths = (await api.client.get("/openapi.json")).json()["paths"]
    assert {p for p in paths if p.startswith(BASE)} == {
        f"{BASE}/discovery.{{fmt}}", f"{BASE}/services.{{fmt}}",
        f"{BASE}/services/{{service_code}}.{{fmt}}", f"{BASE}/requests.{{fmt}}",
        f"{BASE}/requests/{{service_request_id}}.{{fmt}}", f"{BASE}/tokens/{{token}}.{{fmt}}"}
    form = paths[f"{BASE}/requests.{{fmt}}"]["post"]["requestBody"]["content"]
    assert "application/x-www-form-urlencoded" in form


async def test_requests_are_filtered_by_status_service_date_and_id(api):
    _, key = await new_api_key(api)
    road = (await post_request(api, key)).json()[0]["service_request_id"]
    permit = (await post_request(api, key, service_code="IZIN-USAHA",
                                 **{"attribute[severity]": None})).json()[0]
    permit = permit["service_request_id"]
    done = (await post_request(api, key)).json()[0]["service_request_id"]
    rejected = (await post_request(api, key)).json()[0]["service_request_id"]
    unverified = (await post_request(api, key)).json()[0]["service_request_id"]
    for listed in (road, permit, done):
        await act(api, listed, "verify", {})
    await act(api, done, "start", {})
    await act(api, done, "respond", {"body": "Sudah ditambal."})
    await act(api, done, "resolve", {})
    await act(api, rejected, "reject", {"reason": "incomplete"})

    async def ids(query: str = "", fmt: str = "json") -> list[str]:
        r = await api.client.get(f"{BASE}/requests.{fmt}{query}")
        assert r.status_code == 200, r.text
        if fmt == "xml":
            root = xml(r)
            assert root.tag == "service_requests"
            assert all(c.tag == "request" and children(c) == REQUEST for c in root)
            return sorted(c.findtext("service_request_id") for c in root)
        assert all(set(item) == REQUEST for item in r.json())
        return sorted(item["service_request_id"] for item in r.json())

    # neither the rejected nor the unverified one is ever listed (disclosure rule 1)
    assert await ids() == await ids(fmt="xml") == sorted([road, permit, done])
    assert await ids("?status=open") == sorted([road, permit])
    assert await ids("?status=closed") == [done]
    assert await ids("?status=open,closed") == sorted([road, permit, done])
    assert await ids("?service_code=IZIN-USAHA") == [permit]
    assert await ids("?service_code=IZIN-USAHA,JALAN-RUSAK&status=open") == sorted(
        [road, permit])
    assert await ids(f"?service_request_id={road},{permit}") == sorted([road, permit])
    # the id list overrides every other argument, as the spec says
    assert await ids(f"?service_request_id={done}&status=open") == [done]
    assert await ids(f"?service_request_id={rejected},{unverified}") == []
    for hidden in (rejected, unverified):
        assert_errors(await api.client.get(f"{BASE}/requests/{hidden}.json"), 404)

    [closed] = (await api.client.get(f"{BASE}/requests/{done}.json")).json()
    assert closed["status"] == "closed" and closed["status_notes"] == "Sudah ditambal."

    now = datetime.now(UTC)
    window = (f"?start_date={quote(w3c(now - timedelta(days=1)))}"
              f"&end_date={quote(w3c(now + timedelta(days=1)))}")
    assert await ids(window) == sorted([road, permit, done])
    assert await ids(f"?start_date={w3c(now + timedelta(days=1))}") == []
    assert await ids(f"?end_date={w3c(now - timedelta(days=1))}") == []
    offset = (now + timedelta(hours=1)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S") + "+07:00"
    assert await ids(f"?start_date={offset}") == sorted([road, permit, done])  # + unquoted


BAD_QUERIES = [
    ("start_date=2026-01-01T00:00:00Z&end_date=2026-04-02T00:00:00Z", "90 days"),
    ("start_date=2026-02-01T00:00:00Z&end_date=2026-01-01T00:00:00Z", "before start_date"),
    ("start_date=2026-01-01", "timezone"),
    ("end_date=yesterday", "end_date"),
    ("status=pending", "status"),
]


async def test_a_bad_query_is_a_400_in_open311_format(api):
    for query, says in BAD_QUERIES:
        for fmt in ("json", "xml"):
            assert_errors(await api.client.get(f"{BASE}/requests.{fmt}?{query}"), 400,
                          fmt=fmt, says=says)
    # a span of exactly 90 days is allowed
    r = await api.client.get(f"{BASE}/requests.json?start_date=2026-01-01T00:00:00Z"
                             "&end_date=2026-04-01T00:00:00Z")
    assert r.status_code == 200 and r.json() == []


# -- privacy ---------------------------------------------------------------------------------

async def test_private_complaints_are_neither_listed_nor_readable(api):
    hidden = (await api.file(private=True))["id"]
    shown = (await api.file())["id"]
    for cid in (hidden, shown):
        await act(api, cid, "verify", {})
    for fmt in ("json", "xml"):
        r = await api.client.get(f"{BASE}/requests.{fmt}")
        assert shown in r.text and hidden not in r.text
        r = await api.client.get(f"{BASE}/requests.{fmt}?service_request_id={hidden},{shown}")
        assert shown in r.text and hidden not in r.text
        assert_errors(await api.client.get(f"{BASE}/requests/{hidden}.{fmt}"), 404, fmt=fmt)
        assert_errors(await api.client.get(f"{BASE}/tokens/{hidden}.{fmt}"), 404, fmt=fmt)


@pytest.mark.parametrize("privacy", ["confidential", "public"])
async def test_no_reporter_data_ever_leaves_through_open311(api, privacy):
    filed = await api.file(privacy=privacy)
    _, key = await new_api_key(api)
    posted = (await post_request(api, key)).json()[0]["service_request_id"]
    for cid in (filed["id"], posted):
        await act(api, cid, "verify", {})
    for fmt in ("json", "xml"):
        for path in ("requests", f"requests/{filed['id']}", f"requests/{posted}",
                     f"tokens/{filed['id']}"):
            r = await api.client.get(f"{BASE}/{path}.{fmt}")
            assert r.status_code == 200, r.text
            assert filed["id"] in r.text or posted in r.text
            for secret in (*REPORTER, filed["token"], filed["tracking_code"]):
                assert secret not in r.text, (path, secret)


@pytest.mark.parametrize("privacy", ["confidential", "anonymous"])
async def test_a_confidential_report_is_listed_without_content_or_exact_location(api, privacy):
    reporter = None if privacy == "anonymous" else {"name": "Siti Aminah"}
    filed = await api.file(privacy=privacy, reporter=reporter,
                           title="Pungli di loket perizinan",
                           description="Petugas loket 3 meminta Rp500.000, nama Budi.",
                           location={"lat": -6.91751, "long": 107.61913,
                                     "address": "Jl. Wastukencana No. 2",
                                     "region_code": "32.73.01.1001"},
                           attachments=[{"url": "https://foto.example.id/bukti.jpg",
                                         "media_type": "image/jpeg", "size_bytes": 10}])
    cid = filed["id"]
    for fmt in ("json", "xml"):  # before verification: not there at all
        assert cid not in (await api.client.get(f"{BASE}/requests.{fmt}")).text
        assert_errors(await api.client.get(f"{BASE}/requests/{cid}.{fmt}"), 404, fmt=fmt)
    await act(api, cid, "verify", {})
    await act(api, cid, "start", {})
    await act(api, cid, "respond", {"body": "Petugas Budi sudah diperiksa."})
    secrets = ("Pungli", "Rp500.000", "Budi", "Wastukencana", "-6.9175", "107.619",
               "32.73.01.1001", "bukti.jpg", "Siti")
    for path in ("requests", f"requests/{cid}"):
        for fmt in ("json", "xml"):
            r = await api.client.get(f"{BASE}/{path}.{fmt}")
            assert r.status_code == 200 and cid in r.text, r.text
            for secret in secrets:
                assert secret not in r.text, (path, fmt, secret)
    [read] = (await api.client.get(f"{BASE}/requests/{cid}.json")).json()
    assert set(read) == REQUEST
    assert (read["description"], read["address"], read["lat"], read["long"],
            read["media_url"], read["status_notes"]) == (None,) * 6
    assert read["address_id"] == "32.73.01" and read["service_code"] == "JALAN-RUSAK"
    assert read["status"] == "open" and "not published" not in read["service_notice"]
    english = await api.client.get(f"{BASE}/requests/{cid}.json",
                                   headers={"Accept-Language": "en"})
    assert "not published" in english.json()[0]["service_notice"]
    root = xml(await api.client.get(f"{BASE}/requests/{cid}.xml"))
    assert children(root[0]) == REQUEST and root[0].findtext("address_id") == "32.73.01"
    assert not root[0].findtext("description") and not root[0].findtext("lat")


async def test_a_public_report_is_listed_with_its_content_once_verified(api):
    filed = await api.file()
    await act(api, filed["id"], "verify", {})
    [read] = (await api.client.get(f"{BASE}/requests/{filed['id']}.json")).json()
    assert read["description"].startswith("Lubang besar") and read["lat"] == -6.9175
    assert read["address_id"] == "32.73.01" and read["service_notice"] is None


def w3c(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def test_a_database_outage_is_an_open311_503_to_retry(api, monkeypatch):
    """Not the spec's general 400: nothing was stored, and the client may retry."""
    from sqlalchemy.exc import OperationalError

    _, key = await new_api_key(api)

    async def down(*args, **kwargs):
        raise OperationalError("INSERT", {}, Exception("unable to open database file"))

    monkeypatch.setattr("shared.group_commit.write_queued", down)
    for fmt in ("json", "xml"):
        r = await post_request(api, key, fmt=fmt)
        descriptions = assert_errors(r, 503, fmt=fmt, says="retry")
        assert r.headers["retry-after"] == "5"
        assert "unable to open" not in " ".join(descriptions)
