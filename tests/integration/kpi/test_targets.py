"""Targets (CRUD, audited, scoped), scores and the period close's kpi.target_missed.v1."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from services.kpi.domain.periods import parse_period
from services.kpi.service.closing import close_period, close_ready
from shared.auth import Role
from shared.events import parse_event
from shared.tables import outbox
from tests.integration.kpi.conftest import serve
from tests.integration.kpi.factory import Complaint, agency, at

pytestmark = pytest.mark.asyncio


async def misses(kpi) -> list:
    async with kpi.runtime.engine.connect() as conn:
        rows = (await conn.execute(select(outbox.c.payload).order_by(outbox.c.id))).all()
    return [parse_event(r.payload) for r in rows
            if parse_event(r.payload).type == "kpi.target_missed.v1"]


async def seed(kpi) -> None:
    await kpi.deliver(agency("kota"), agency("kec-a", parent="kota"))
    slow = (Complaint("kec-a").file(at("2026-10-05 09:00")).verify(at("2026-10-05 10:00"))
            .respond(at("2026-10-06 09:00")).resolve(at("2026-10-20 09:00")))
    fast = (Complaint("kec-a").file(at("2026-10-05 09:00")).verify(at("2026-10-05 10:00"))
            .respond(at("2026-10-06 09:00")).resolve(at("2026-10-07 09:00")))
    await kpi.deliver(*slow.events, *fast.events)


async def test_crud_is_audited_and_scoped(kpi):
    await seed(kpi)
    boss = kpi.auth(Role.SUPERVISOR, agency="kota")
    body = {"agency_id": "kec-a", "indicator_code": "time_to_resolution_wd_median",
            "value": 3, "direction": "at_most"}
    r = await kpi.client.post("/v1/targets", json=body, headers=boss)
    assert r.status_code == 201, r.text
    target = r.json()
    got = (await kpi.client.get("/v1/agencies/kec-a/indicators", params={"period": "2026-10"},
                                headers=boss)).json()
    ttr = {i["code"]: i for i in got["indicators"]}["time_to_resolution_wd_median"]
    assert ttr["value"] == 2 and ttr["target"] == 3 and ttr["score"] == 1.5
    assert got["overall_score"] is not None

    r = await kpi.client.patch(f"/v1/targets/{target['id']}", headers=boss,
                               json={"value": 1, "version": 1})
    assert r.status_code == 200 and r.json()["version"] == 2
    stale = await kpi.client.patch(f"/v1/targets/{target['id']}", headers=boss,
                                   json={"value": 5, "version": 1})
    assert stale.status_code == 409
    other = kpi.auth(Role.SUPERVISOR, agency="kec-b")
    assert (await kpi.client.patch(f"/v1/targets/{target['id']}", headers=other,
                                   json={"value": 5, "version": 2})).status_code == 403
    assert (await kpi.client.get("/v1/agencies/kec-a/indicators", headers=other,
                                 params={"period": "2026-10"})).status_code == 403
    child = kpi.auth(Role.OFFICER, agency="kec-a")
    assert (await kpi.client.get("/v1/agencies/kota/indicators", headers=child,
                                 params={"period": "2026-10"})).status_code == 403
    assert (await kpi.client.post("/v1/targets", json=body, headers=child)).status_code == 403
    assert (await kpi.client.post("/v1/targets", headers=boss, json={
        **body, "agency_id": "*"})).status_code == 403
    assert (await kpi.client.get("/v1/agencies/kec-a/indicators",
                                 params={"period": "2026-10"})).status_code == 401
    bad = await kpi.client.post("/v1/targets", headers=boss, json={**body, "mode": "relative"})
    assert bad.status_code == 422 and bad.json()["fields"][0]["field"] == "baseline_period"
    unknown = await kpi.client.post("/v1/targets", headers=boss,
                                    json={**body, "indicator_code": "nonsense"})
    assert unknown.status_code == 422 and unknown.json()["error"] == "unknown_indicator"
    for field in ("value", "direction", "mode"):  # null is not "keep it": a 422, not a 500
        null = await kpi.client.patch(f"/v1/targets/{target['id']}", headers=boss,
                                      json={field: None, "version": 2})
        assert null.status_code == 422, null.text
        assert null.json()["fields"][0]["field"] == field

    assert (await kpi.client.delete(f"/v1/targets/{target['id']}", headers=boss)).status_code == 204
    audit = (await kpi.client.get(f"/v1/targets/{target['id']}/audit", headers=boss)).json()
    assert [a["action"] for a in audit] == ["create", "update", "delete"]
    assert audit[1]["before"]["value"] == 3 and audit[1]["after"]["value"] == 1
    assert {a["actor"] for a in audit} == {"supervisor-1"}


async def test_the_defaults_are_listed_and_managed_like_any_target(kpi):
    """The seeded defaults are what GET /v1/targets shows, and only what is listed scores."""
    await seed(kpi)
    boss = kpi.auth(Role.SUPERVISOR, agency="kota")
    listed = (await kpi.client.get("/v1/targets", headers=boss)).json()
    defaults = {t["id"]: t for t in listed if t["agency_id"] == "*"}
    assert {(t["indicator_code"], t["value"], t["direction"]) for t in defaults.values()} == {
        ("resolved_within_5wd", 90.0, "at_least"), ("ikm", 90.0, "at_least")}
    got = await kpi.indicators("kec-a", "2026-10")
    assert got["resolved_within_5wd"]["target"] == 90.0  # one of two within 5 days: 50 %
    assert got["resolved_within_5wd"]["score"] == round(50 / 90, 4)
    audit = (await kpi.client.get("/v1/targets/default-resolved-within-5wd/audit",
                                  headers=boss)).json()
    assert [(a["action"], a["actor"]) for a in audit] == [("create", "migration:kpi_0003")]

    admin = kpi.auth(Role.ADMIN)
    r = await kpi.client.patch("/v1/targets/default-resolved-within-5wd", headers=admin,
                               json={"value": 80, "version": 1})
    assert r.status_code == 200, r.text
    assert (await kpi.indicators("kec-a", "2026-10"))["resolved_within_5wd"]["target"] == 80
    assert (await kpi.client.patch("/v1/targets/default-ikm", headers=boss, json={
        "value": 1, "version": 1})).status_code == 403  # the defaults: admins only
    assert (await kpi.client.delete("/v1/targets/default-resolved-within-5wd",
                                    headers=admin)).status_code == 204
    after = await kpi.indicators("kec-a", "2026-10")
    assert after["resolved_within_5wd"]["target"] is None  # deleted: nothing applies
    assert "default-resolved-within-5wd" not in {
        t["id"] for t in (await kpi.client.get("/v1/targets", headers=boss)).json()}


async def test_relative_target_against_a_baseline(kpi):
    await seed(kpi)
    sept = Complaint("kec-a").file(at("2026-09-07 09:00"))
    await kpi.deliver(*sept.events)
    admin = kpi.auth(Role.ADMIN)
    r = await kpi.client.post("/v1/targets", headers=admin, json={
        "agency_id": "kota", "indicator_code": "filed", "value": 20, "direction": "at_least",
        "mode": "relative", "baseline_period": "2026-09"})
    assert r.status_code == 201, r.text
    got = await kpi.indicators("kec-a", "2026-10")  # the parent's target applies
    assert got["filed"]["value"] == 2 and got["filed"]["target"] == 1.2


async def test_missed_targets_published_once_per_agency_indicator_period(kpi):
    await seed(kpi)
    october = parse_period("2026-10")
    first = await close_period(kpi.service, october)
    assert first.published >= 1
    again = await close_period(kpi.service, october, force=True)  # a replay of the close
    assert again.published == 0
    found = await misses(kpi)
    keys = [(e.data.agency_id, e.data.indicator_code, e.data.period) for e in found]
    assert ("kec-a", "resolved_within_5wd", "2026-10") in keys
    assert ("kota", "resolved_within_5wd", "2026-10") in keys  # rolled up
    assert len(keys) == len(set(keys))
    miss = next(e.data for e in found if e.data.agency_id == "kec-a")
    assert miss.value == 50.0 and miss.target == 90.0 and miss.comparison == "at_least"
    assert miss.measure == "percent"


async def test_two_replicas_closing_at_once_publish_once(kpi_settings):
    settings = kpi_settings()
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("replicas share a PostgreSQL database; SQLite is for one process")
    async for one in serve(settings, consume=False):
        await seed(one)
        async for two in serve(settings, consume=False):
            october = parse_period("2026-10")
            a, b = await asyncio.gather(close_period(one.service, october, force=True),
                                        close_period(two.service, october, force=True))
            assert a.published + b.published == len(await misses(one))
            assert len(await misses(one)) == 2


async def test_the_task_closes_periods_after_the_grace(kpi):
    await seed(kpi)
    kpi.clock["now"] = at("2026-11-05 12:00")  # grace of 7 days not over for October
    closed = {c.period: c for c in await close_ready(kpi.service)}
    assert "2026-10" not in closed
    kpi.clock["now"] = at("2026-11-09 12:00")
    closed = {c.period: c for c in await close_ready(kpi.service)}
    assert closed["2026-10"].published >= 1
    assert all(c.already_closed for c in await close_ready(kpi.service))


async def test_periods_that_ended_during_an_outage_are_closed_when_the_service_returns(kpi):
    await seed(kpi)
    kpi.clock["now"] = at("2027-02-20 12:00")  # down since before October closed
    closed = {c.period: c for c in await close_ready(kpi.service)}
    assert {"2026-10", "2026-11", "2027-01", "2026-Q4", "2026-H2", "2026"} <= set(closed)
    assert closed["2026-10"].published >= 1 and not closed["2026-10"].already_closed
    assert "2027-02" not in closed  # not ended yet
    again = await close_ready(kpi.service)
    assert again and all(c.already_closed for c in again)
