"""Instants at the extremes, dates for datetimes: a 422 naming the field (issue 8 item 7)."""

from __future__ import annotations

import pytest

EXTREMES = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"]


@pytest.mark.parametrize("value", EXTREMES)
async def test_an_instant_outside_the_representable_range_names_the_field(client, value):
    r = await client.get("/instants", params={"at": value})
    assert r.status_code == 422, r.text
    assert r.json()["fields"][0]["field"] == "at"
    assert r.json()["fields"][0]["code"] == "datetime_out_of_range"


@pytest.mark.parametrize("value", ["2026-12-01", "2026-12-01T10:00:00"])
async def test_a_date_or_a_naive_datetime_is_refused_by_name(client, value):
    r = await client.get("/instants", params={"at": value})
    assert r.status_code == 422 and r.json()["fields"][0] == {
        "field": "at", "code": "timezone_aware", "type": "timezone_aware",
        "message": "Harus menyertakan zona waktu (misalnya +07:00 atau Z)."}


async def test_an_instant_is_converted_to_utc(client):
    r = await client.get("/instants", params={"at": "2026-12-01T07:00:00+07:00"})
    assert r.json() == {"utc": "2026-12-01T00:00:00+00:00"}


@pytest.mark.parametrize("value", EXTREMES)
async def test_a_plain_datetime_reaching_the_database_is_a_422_not_a_500(client, value):
    r = await client.post("/stored", params={"at": value})
    assert r.status_code == 422 and r.json()["error"] == "datetime_out_of_range", r.text
