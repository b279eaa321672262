"""End to end over the real broker (issue 11): the real complaints app's catalogue and
complaints reach the KPI service, which names agencies from ``agency.*`` events, rolls a
sub-agency up to its parent, and counts the complaints of a category flagged integrity —
with nothing handed over but events. SQLite and PostgreSQL (the KPI side)."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest

from services.complaints.app import create_app as complaints_app
from services.complaints.settings import ComplaintsSettings
from shared.auth import Role, mint_token
from shared.broker import ensure_topics
from shared.topics import all_topic_names
from tests.integration.kpi.conftest import serve

pytestmark = [pytest.mark.asyncio, pytest.mark.broker]
AGENCIES = ({"id": "pemkot-bdg", "name_id": "Pemerintah Kota Bandung",
             "name_en": "Bandung City Government", "kind": "regional"},
            {"id": "dpupr-bdg", "name_id": "Dinas PUPR Kota Bandung",
             "name_en": "Bandung Public Works", "kind": "unit", "parent_id": "pemkot-bdg"})
CATEGORIES = ({"code": "JALAN-RUSAK", "agency_id": "dpupr-bdg", "name_id": "Jalan rusak",
               "name_en": "Damaged road", "complexity": "normal"},
              {"code": "PUNGLI", "agency_id": "dpupr-bdg", "name_id": "Pungutan liar",
               "name_en": "Illegal fees charged by staff", "complexity": "complex",
               "integrity": True})


async def public(kpi, agency_id: str, period: str, *, staff: bool = False) -> dict | None:
    """The public figures, or a supervisor's (``staff``: nothing withheld)."""
    r = await kpi.client.get(f"/v1/{'' if staff else 'public/'}agencies/{agency_id}/indicators",
                             params={"period": period},
                             headers=kpi.auth(Role.ADMIN) if staff else None)
    return r.json() if r.status_code == 200 else None


def values(body: dict) -> dict:
    return {i["code"]: i["value"] for i in body["indicators"]}


async def until(kpi, agency_id: str, period: str, ready, timeout: float = 60.0, *,
                staff: bool = False):
    """The agency's public (or ``staff``) figures once ``ready`` holds for them (None after
    ``timeout``)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = await public(kpi, agency_id, period, staff=staff)
        if got is not None and ready(got):
            return got
        await asyncio.sleep(0.25)
    return None


async def test_the_catalogue_and_complaints_reach_kpi(broker, kpi_settings, topic_prefix,
                                                      tmp_path):
    await ensure_topics(broker.bootstrap, all_topic_names(topic_prefix))
    settings = ComplaintsSettings(
        environment="test", database_url=f"sqlite+aiosqlite:///{tmp_path}/c.db",
        kafka_bootstrap=broker.bootstrap, topic_prefix=topic_prefix, relay_enabled=True,
        relay_poll_interval_s=0.2, sla_scan_interval_s=3600, kafka_session_timeout_ms=2000)
    admin = {"Authorization": "Bearer " + mint_token(settings, subject="root",
                                                     roles=[Role.ADMIN], agency_id=None)}
    period = datetime.now(ZoneInfo("Asia/Jakarta")).strftime("%Y-%m")
    app = complaints_app(settings)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app),
                                     base_url="http://complaints") as c:
            for agency in AGENCIES:
                assert (await c.post("/v1/agencies", json=agency, headers=admin)
                        ).status_code == 201
            for category in CATEGORIES:
                assert (await c.post("/v1/categories", json=category, headers=admin)
                        ).status_code == 201
            for code in ("JALAN-RUSAK", "JALAN-RUSAK", "PUNGLI"):
                r = await c.post("/v1/complaints", json={
                    "title": "Laporan warga", "category_code": code,
                    "description": "Petugas meminta uang tambahan di loket.",
                    "privacy": "anonymous"})
                assert r.status_code == 201, r.text
            r = await c.patch("/v1/agencies/dpupr-bdg", headers=admin,
                              json={"name_en": "Bandung Public Works and Spatial Planning"})
            assert r.status_code == 200, r.text

            async for kpi in serve(kpi_settings(), consume=True):
                # keys travel apart (a category's event may land after its complaints): wait
                # for both figures, which then must hold together
                parent = await until(kpi, "pemkot-bdg", period, lambda body: (
                    values(body).get("filed"), values(body).get("integrity_complaints"))
                    == (3, 1), staff=True)
                assert parent is not None, "the complaints or the integrity flag never arrived"
                # one integrity complaint: withheld in public (a small number)
                shown = await public(kpi, "pemkot-bdg", period)
                assert shown is not None and values(shown)["integrity_complaints"] is None
                assert parent["name_en"] == "Bandung City Government"
                assert set(parent["agencies"]) == {"pemkot-bdg", "dpupr-bdg"}
                unit = await until(kpi, "dpupr-bdg", period,
                                   lambda body: body["name_en"].endswith("Spatial Planning"))
                assert unit is not None, "agency.changed never reached the KPI service"
                assert unit["name_id"] == "Dinas PUPR Kota Bandung"
