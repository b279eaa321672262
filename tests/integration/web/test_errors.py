"""One error shape, every wrong field once with the path the client sent, in the caller's
language (issue 8 items 12 and 13)."""

from __future__ import annotations

import pytest

EN = {"Accept-Language": "en"}


def named(body: dict) -> list[str]:
    return [f["field"] for f in body["fields"]]


async def test_validation_paths_are_the_clients_without_body_prefix(client):
    r = await client.post("/filings", json={"title": "", "location": {"lat": 91, "long": 0},
                                            "unexpected": 1}, headers=EN)
    assert r.status_code == 422
    body = r.json()
    assert body["error"] == "validation_error"
    assert sorted(named(body)) == ["location.lat", "title", "unexpected"]
    assert body["field"] == body["fields"][0]["field"]  # older clients read one field
    for f in body["fields"]:
        assert set(f) == {"field", "code", "type", "message"} and f["code"] == f["type"]


async def test_union_members_are_not_fields_and_a_field_is_named_once(client):
    r = await client.post("/filings", json={"title": "x", "answers": {"U3": "NOT-LOWER",
                                                                      "U4": 2.5}}, headers=EN)
    assert r.status_code == 422
    fields = named(r.json())
    assert sorted(fields) == ["answers.U3", "answers.U4"], fields
    assert not any("int" in f.split(".")[-1] or "str" in f or "[" in f for f in fields)


async def test_missing_fields_in_lists_and_nested_models(client):
    r = await client.post("/filings", json={"items": [{"lat": 1, "long": 2}, {"lat": 1}]},
                          headers=EN)
    assert sorted(named(r.json())) == ["items.1.long", "title"]


async def test_the_body_as_a_whole_is_the_empty_path(client):
    r = await client.post("/filings", json=[1, 2], headers=EN)
    assert r.status_code == 422 and named(r.json()) == [""]


async def test_query_and_header_parameters_by_the_names_sent(client):
    r = await client.get("/filings", params={"limit": "x", "filed_from": "yesterday"})
    assert sorted(named(r.json())) == ["filed_from", "limit"]
    r = await client.post("/filings", json={"title": "x"},
                          headers={"Idempotency-Key": "much-too-long"})
    assert named(r.json()) == ["Idempotency-Key"]


async def test_a_suara_error_field_becomes_an_entry_and_extra_stays(client):
    r = await client.get("/things/locked", headers=EN)
    assert r.status_code == 409
    assert r.json() == {"error": "thing_locked", "detail": "Thing locked is locked.",
                        "fields": [{"field": "name", "code": "thing_locked",
                                    "type": "thing_locked",
                                    "message": "Thing locked is locked."}],
                        "field": "name", "state": "locked"}


async def test_indonesian_is_the_default_and_english_on_request(client):
    r = await client.get("/things/nothing")
    assert r.json()["detail"] == "Barang tidak ditemukan."
    assert r.headers["content-language"] == "id" and "Accept-Language" in r.headers["vary"]
    r = await client.get("/things/nothing", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert r.json() == {"error": "thing_not_found", "detail": "No such thing.", "fields": []}
    assert r.headers["content-language"] == "en"
    r = await client.get("/things/nothing", headers={"Accept-Language": "fr, en;q=0.1"})
    assert r.json()["detail"] == "No such thing."
    r = await client.get("/things/nothing", headers={"Accept-Language": "en;q=0.5, id"})
    assert r.json()["detail"] == "Barang tidak ditemukan."


async def test_the_default_locale_is_a_setting(make_client):
    async with make_client(default_locale="en") as c:
        assert (await c.get("/things/nothing")).json()["detail"] == "No such thing."


async def test_a_resource_locale_applies_when_the_header_names_none(client):
    r = await client.get("/things/english")
    assert r.json()["detail"] == "Thing english is locked."
    r = await client.get("/things/english", headers={"Accept-Language": "id"})
    assert r.json()["detail"] == "Barang english terkunci."


async def test_validation_messages_in_indonesian(client):
    r = await client.post("/filings", json={"title": "", "location": {"lat": 91, "long": 0}})
    by_field = {f["field"]: f["message"] for f in r.json()["fields"]}
    assert by_field["title"] == "Terlalu pendek: paling sedikit 1 karakter."
    assert by_field["location.lat"] == "Harus kurang dari atau sama dengan 90."
    assert r.json()["detail"].startswith("Permintaan tidak valid.")
    r = await client.post("/filings", json={"title": "", "location": {"lat": 91, "long": 0}},
                          headers=EN)
    assert {f["field"]: f["message"] for f in r.json()["fields"]}["title"] == (
        "String should have at least 1 character")


async def test_unregistered_codes_fall_back_to_the_message_given(client):
    r = await client.get("/things/several")
    assert r.status_code == 422
    assert r.json()["fields"] == [
        {"field": "a", "code": "too_short", "type": "too_short",
         "message": "Terlalu sedikit: paling sedikit {min_length} butir."},
        {"field": "b", "code": "unregistered_code", "type": "unregistered_code",
         "message": "b is odd"}]


@pytest.mark.parametrize(("path", "status", "code"), [
    ("/no-such-route", 404, "not_found"), ("/things/x/y", 404, "not_found")])
async def test_http_errors_have_the_shape(client, path, status, code):
    r = await client.get(path)
    assert r.status_code == status and r.json()["error"] == code
    assert r.json()["fields"] == [] and r.json()["detail"]
    r = await client.delete("/filings")
    assert r.status_code == 405 and r.json()["error"] == "method_not_allowed"


async def test_an_unexpected_error_is_a_500_in_the_shape(client):
    r = await client.get("/things/boom", headers=EN)
    assert r.status_code == 500
    assert r.json() == {"error": "internal_error", "fields": [],
                        "detail": "An unexpected error occurred; it has been logged."}
