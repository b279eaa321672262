"""The catalogue published (issue 11): every agency and category write puts its whole entity,
at its new revision, in the outbox of the same transaction; changes go through admin-only
PATCH routes; what an upgrade found unannounced is announced once, parents first, even with
two replicas announcing at the same time. SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json

import pytest
from sqlalchemy import select, update

from services.complaints.models import agencies, categories
from services.complaints.service import CatalogueService
from shared.auth import Role
from shared.tables import outbox
from tests.integration.complaints.conftest import Api

pytestmark = pytest.mark.asyncio


async def published(api: Api) -> list[tuple[str, str, dict]]:
    """The catalogue events in the outbox, in order: (type, key, data)."""
    async with api.app.state.runtime.engine.connect() as conn:
        rows = (await conn.execute(select(outbox.c.event_type, outbox.c.key, outbox.c.payload)
                                   .order_by(outbox.c.id))).all()
    return [(t, k, json.loads(p)["data"]) for t, k, p in rows
            if t.startswith(("agency.", "category."))]


async def test_creating_publishes_the_whole_entity_without_the_notification_address(offline):
    admin = offline.token(Role.ADMIN)
    r = await offline.client.post("/v1/agencies", headers=admin, json={
        "id": "inspektorat-bdg", "name_id": "Inspektorat Kota Bandung",
        "name_en": "Bandung Inspectorate", "kind": "unit", "parent_id": "pemkot-bdg",
        "notification_email": "inspektorat@bandung.go.id"})
    assert r.status_code == 201, r.text
    r = await offline.client.post("/v1/categories", headers=admin, json={
        "code": "PUNGLI", "agency_id": "inspektorat-bdg", "name_id": "Pungutan liar",
        "name_en": "Extortion by staff", "complexity": "complex", "integrity": True})
    assert r.status_code == 201, r.text
    assert r.json()["integrity"] is True

    events = await published(offline)
    # the fixture's three agencies and two categories, then these two
    assert [(t, k) for t, k, _ in events] == [
        ("agency.created.v1", "pemkot-bdg"), ("agency.created.v1", "dpupr-bdg"),
        ("agency.created.v1", "dpmptsp-sby"), ("category.created.v1", "JALAN-RUSAK"),
        ("category.created.v1", "IZIN-USAHA"), ("agency.created.v1", "inspektorat-bdg"),
        ("category.created.v1", "PUNGLI")]
    agency, category = events[-2][2], events[-1][2]
    assert agency == agency | {"agency_id": "inspektorat-bdg", "parent_id": "pemkot-bdg",
                               "kind": "unit", "name_id": "Inspektorat Kota Bandung",
                               "name_en": "Bandung Inspectorate", "revision": 1}
    assert "bandung.go.id" not in json.dumps(events)
    assert category == category | {"category_code": "PUNGLI", "agency_id": "inspektorat-bdg",
                                   "integrity": True, "active": True, "complexity": "complex",
                                   "revision": 1}
    assert events[3][2]["integrity"] is False
    async with offline.app.state.runtime.engine.connect() as conn:
        announced = (await conn.execute(select(agencies.c.revision,
                                               agencies.c.announced_revision))).all()
    assert set(announced) == {(1, 1)}


async def test_changes_are_new_revisions_and_an_unchanged_patch_publishes_nothing(offline):
    admin = offline.token(Role.ADMIN)
    before = len(await published(offline))
    r = await offline.client.patch("/v1/agencies/dpupr-bdg", headers=admin, json={
        "name_en": "Bandung Public Works and Spatial Planning"})
    assert r.status_code == 200, r.text
    assert r.json()["name_en"] == "Bandung Public Works and Spatial Planning"
    assert r.json()["parent_id"] == "pemkot-bdg"  # what was not given is kept
    r = await offline.client.patch("/v1/agencies/dpupr-bdg", headers=admin, json={
        "name_en": "Bandung Public Works and Spatial Planning"})  # the same again
    assert r.status_code == 200
    r = await offline.client.patch("/v1/agencies/dpmptsp-sby", headers=admin,
                                   json={"parent_id": "pemkot-bdg"})
    assert r.status_code == 200
    r = await offline.client.patch("/v1/agencies/dpmptsp-sby", headers=admin,
                                   json={"parent_id": None})  # back to the top
    assert r.status_code == 200 and r.json()["parent_id"] is None
    r = await offline.client.patch("/v1/categories/JALAN-RUSAK", headers=admin,
                                   json={"integrity": True, "name_en": "Broken road"})
    assert r.status_code == 200 and r.json()["integrity"] is True
    assert r.json()["attributes"][0]["code"] == "severity"  # kept

    events = (await published(offline))[before:]
    assert [(t, k, d["revision"]) for t, k, d in events] == [
        ("agency.changed.v1", "dpupr-bdg", 2), ("agency.changed.v1", "dpmptsp-sby", 2),
        ("agency.changed.v1", "dpmptsp-sby", 3), ("category.changed.v1", "JALAN-RUSAK", 2)]
    assert events[0][2]["name_en"] == "Bandung Public Works and Spatial Planning"
    assert events[0][2]["name_id"] == "Dinas PUPR Kota Bandung"  # the whole entity
    assert events[2][2]["parent_id"] is None
    assert events[3][2] == events[3][2] | {"integrity": True, "name_en": "Broken road",
                                           "name_id": "Jalan rusak", "agency_id": "dpupr-bdg"}
    public = (await offline.client.get("/v1/agencies")).json()
    assert {a["id"]: a["name_en"] for a in public}["dpupr-bdg"].endswith("Spatial Planning")


async def test_retiring_a_category_stops_filings_in_it(offline):
    admin = offline.token(Role.ADMIN)
    r = await offline.client.patch("/v1/categories/JALAN-RUSAK", headers=admin,
                                   json={"active": False})
    assert r.status_code == 200 and r.json()["active"] is False
    r = await offline.client.post("/v1/complaints", json={
        "title": "Jalan berlubang", "description": "Lubang besar di depan sekolah.",
        "category_code": "JALAN-RUSAK", "attributes": {"severity": "heavy"}})
    assert r.status_code == 422 and r.json()["error"] == "unknown_category", r.text
    [event] = [d for t, k, d in await published(offline) if t == "category.changed.v1"]
    assert event["active"] is False and event["revision"] == 2
    assert "JALAN-RUSAK" not in {c["code"] for c in
                                 (await offline.client.get("/v1/categories")).json()}


@pytest.mark.parametrize(("path", "body", "status", "code"), [
    ("/v1/agencies/pemkot-bdg", {"parent_id": "dpupr-bdg"}, 422, "agency_cycle"),
    ("/v1/agencies/pemkot-bdg", {"parent_id": "pemkot-bdg"}, 422, "agency_cycle"),
    ("/v1/agencies/dpupr-bdg", {"parent_id": "nope"}, 422, "invalid_field"),
    ("/v1/agencies/nope", {"name_en": "x"}, 404, "agency_not_found"),
    ("/v1/agencies/dpupr-bdg", {"name_en": None}, 422, None),
    ("/v1/agencies/dpupr-bdg", {"name_en": ""}, 422, None),
    ("/v1/agencies/dpupr-bdg", {"notification_email": "a@b.id"}, 422, None),  # its own route
    ("/v1/agencies/dpupr-bdg", {"kind": "galaxy"}, 422, None),
    ("/v1/categories/JALAN-RUSAK", {"agency_id": "nope"}, 422, "invalid_field"),
    ("/v1/categories/JALAN-RUSAK", {"integrity": None}, 422, None),
    ("/v1/categories/JALAN-RUSAK", {"code": "OTHER"}, 422, None),  # the key never changes
    ("/v1/categories/NOPE", {"integrity": True}, 404, "category_not_found"),
])
async def test_bad_changes_are_refused_and_publish_nothing(offline, path, body, status, code):
    before = await published(offline)
    r = await offline.client.patch(path, headers=offline.token(Role.ADMIN), json=body)
    assert r.status_code == status, r.text
    if code is not None:
        assert r.json()["error"] == code
    assert await published(offline) == before


async def test_only_admins_change_the_catalogue(offline):
    for headers in ({}, offline.token(Role.OFFICER, agency="dpupr-bdg"),
                    offline.token(Role.SUPERVISOR, agency="dpupr-bdg")):
        for path, body in (("/v1/agencies/dpupr-bdg", {"name_en": "x"}),
                           ("/v1/categories/JALAN-RUSAK", {"integrity": True})):
            r = await offline.client.patch(path, headers=headers, json=body)
            assert r.status_code in (401, 403), (path, r.text)


async def test_an_upgraded_catalogue_is_announced_once_parents_first(offline):
    """A database from before the catalogue events: nothing announced. Two replicas announce
    at the same time; each revision reaches the outbox once, every parent before its child."""
    runtime = offline.app.state.runtime
    async with runtime.engine.begin() as conn:
        await conn.execute(update(agencies).values(announced_revision=None))
        await conn.execute(update(categories).values(announced_revision=None))
        await conn.execute(update(categories).where(categories.c.code == "IZIN-USAHA")
                           .values(revision=3))  # changed twice before the upgrade
    before = len(await published(offline))
    service = offline.service(CatalogueService)
    other = CatalogueService(runtime=runtime, clock=service.now)
    first, second = await asyncio.gather(service.announce_pending(batch=2),
                                         other.announce_pending(batch=2))
    assert first.agencies + second.agencies == 3
    assert first.categories + second.categories == 2
    events = (await published(offline))[before:]
    assert sorted((t, k, d["revision"]) for t, k, d in events) == [
        ("agency.created.v1", "dpmptsp-sby", 1), ("agency.created.v1", "dpupr-bdg", 1),
        ("agency.created.v1", "pemkot-bdg", 1), ("category.changed.v1", "IZIN-USAHA", 3),
        ("category.created.v1", "JALAN-RUSAK", 1)]
    keys = [k for _, k, _ in events]
    assert keys.index("pemkot-bdg") < keys.index("dpupr-bdg")
    again = await service.announce_pending()
    assert (again.agencies, again.categories) == (0, 0)
    assert len(await published(offline)) == before + 5
