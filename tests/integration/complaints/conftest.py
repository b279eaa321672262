"""A running complaints service (real database, real broker) and callers of every kind."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TypeVar

import httpx
import pytest
from sqlalchemy import select

from services.complaints.app import create_app, sla_policy
from services.complaints.service import AnswerPurge, ComplaintService, SlaScanner
from services.complaints.settings import ComplaintsSettings
from shared.auth import Role, mint_token
from shared.broker import ensure_topics, free_port
from shared.tables import outbox
from shared.topics import all_topic_names

T = TypeVar("T")
ROAD = {"code": "JALAN-RUSAK", "agency_id": "dpupr-bdg", "name_id": "Jalan rusak",
        "name_en": "Damaged road", "complexity": "normal",
        "attributes": [{"code": "severity", "datatype": "singlevaluelist", "required": True,
                        "description": "Tingkat kerusakan",
                        "values": [{"key": "light", "name": "Ringan"},
                                   {"key": "heavy", "name": "Berat"}]}]}
PERMIT = {"code": "IZIN-USAHA", "agency_id": "dpmptsp-sby", "name_id": "Perizinan usaha",
          "name_en": "Business permits", "complexity": "simple", "attributes": []}


@dataclass
class Api:
    client: httpx.AsyncClient
    settings: ComplaintsSettings
    app: object

    def service(self, cls: type[T]) -> T:
        """A use-case object the app registered for its routes."""
        return self.app.state.services[cls]

    @property
    def complaints(self) -> ComplaintService:
        return self.service(ComplaintService)

    def scanner(self) -> SlaScanner:
        """The SLA scan the app's background task runs."""
        return SlaScanner(runtime=self.app.state.runtime, settings=self.settings,
                          policy=sla_policy(self.settings))

    def purge(self) -> AnswerPurge:
        return AnswerPurge(runtime=self.app.state.runtime, settings=self.settings)

    def token(self, *roles: Role, agency: str | None = None, sub: str = "user") -> dict:
        token = mint_token(self.settings, subject=sub, roles=roles, agency_id=agency)
        return {"Authorization": f"Bearer {token}"}

    async def file(self, **overrides) -> dict:
        body = {"title": "Jalan berlubang di Jl. Merdeka",
                "description": "Lubang besar di depan sekolah, berbahaya untuk motor.",
                "category_code": "JALAN-RUSAK", "attributes": {"severity": "heavy"},
                "location": {"lat": -6.9175, "long": 107.6191, "region_code": "32.73.01.1001"},
                "reporter": {"name": "Siti Aminah", "email": "siti@example.id",
                             "phone": "+6281234567890"}} | overrides
        r = await self.client.post("/v1/complaints", json=body)
        assert r.status_code == 201, r.text
        return r.json()

    async def outbox_types(self, complaint_id: str | None = None, *,
                           catalogue: bool = False) -> list[str]:
        """The outbox's event types in order (one complaint's, or all); the catalogue's
        (agency.* / category.*, written by the fixtures' setup) only with ``catalogue``."""
        runtime = self.app.state.runtime
        async with runtime.engine.connect() as conn:
            stmt = select(outbox.c.event_type, outbox.c.key).order_by(outbox.c.id)
            rows = (await conn.execute(stmt)).all()
        return [t for t, k in rows if (complaint_id is None or k == complaint_id)
                and (catalogue or not t.startswith(("agency.", "category.")))]


AGENCIES = ({"id": "pemkot-bdg", "name_id": "Pemerintah Kota Bandung",
             "name_en": "Bandung City Government", "kind": "regional"},
            {"id": "dpupr-bdg", "name_id": "Dinas PUPR Kota Bandung",
             "name_en": "Bandung Public Works", "kind": "unit", "parent_id": "pemkot-bdg"},
            {"id": "dpmptsp-sby", "name_id": "DPMPTSP Kota Surabaya",
             "name_en": "Surabaya Licensing Office", "kind": "unit"})


@asynccontextmanager
async def running(settings: ComplaintsSettings) -> AsyncIterator[Api]:
    """The app, started, with the agencies and categories above, and a client for it."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app)
        async with httpx.AsyncClient(transport=transport, base_url="http://complaints") as c:
            api = Api(c, settings, app)
            admin = api.token(Role.ADMIN, sub="root")
            for agency in AGENCIES:
                r = await c.post("/v1/agencies", json=agency, headers=admin)
                assert r.status_code == 201, r.text
            for category in (ROAD, PERMIT):
                r = await c.post("/v1/categories", json=category, headers=admin)
                assert r.status_code == 201, r.text
            yield api


@pytest.fixture
async def api(broker, database_url, topic_prefix) -> AsyncIterator[Api]:
    await ensure_topics(broker.bootstrap, all_topic_names(topic_prefix))
    settings = ComplaintsSettings(environment="test", database_url=database_url,
                                  kafka_bootstrap=broker.bootstrap, topic_prefix=topic_prefix,
                                  sla_scan_interval_s=3600, kafka_session_timeout_ms=2000)
    async with running(settings) as api:
        yield api


@pytest.fixture
async def offline(database_url) -> AsyncIterator[Api]:
    """The app without a broker (nothing listens at its bootstrap address, the relay is off):
    for tests that hand events to handlers themselves (shared.testing.Deliverer)."""
    settings = ComplaintsSettings(environment="test", database_url=database_url,
                                  kafka_bootstrap=f"127.0.0.1:{free_port()}",
                                  relay_enabled=False, sla_scan_interval_s=3600,
                                  kafka_request_timeout_ms=1000)
    async with running(settings) as api:
        yield api
