"""The surveys app over ASGI on a fresh database (SQLite and PostgreSQL) and the real broker."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import func, select

from services.surveys.app import create_app
from services.surveys.models import responses, skm_tallies
from services.surveys.service import SurveyService
from services.surveys.settings import SurveysSettings
from shared.auth import Role, mint_token
from shared.consumer import Subscription
from shared.events import parse_event
from shared.runtime import ServiceRuntime
from shared.tables import outbox

AGENCY = "agency-1"
ALL_THREES = {f"U{i}": 3 for i in range(1, 10)}


@dataclass
class Api:
    client: httpx.AsyncClient
    settings: SurveysSettings
    runtime: ServiceRuntime
    service: SurveyService
    #: the consumer groups create_app built (started only by ``consuming_api``)
    subscriptions: tuple[Subscription, ...]

    def auth(self, *roles: Role, agency: str | None = AGENCY) -> dict[str, str]:
        token = mint_token(self.settings, subject="officer-1", roles=roles or [Role.ADMIN],
                           agency_id=agency)
        return {"Authorization": f"Bearer {token}"}

    async def survey(self, *periods: str, population: int | None = None, **fields) -> str:
        body = {"unit_id": "unit-1", "title": "SKM Dukcapil"} | fields
        r = await self.client.post("/v1/surveys", json=body, headers=self.auth())
        assert r.status_code == 201, r.text
        survey_id = r.json()["id"]
        for code in periods:
            p = await self.client.post(f"/v1/surveys/{survey_id}/periods", headers=self.auth(),
                                       json={"code": code, "population": population})
            assert p.status_code == 201, p.text
        return survey_id

    async def respond(self, survey_id: str, answers=None, **fields) -> httpx.Response:
        body = {"response_id": str(uuid.uuid4()), "answers": answers or ALL_THREES} | fields
        return await self.client.post(f"/v1/surveys/{survey_id}/responses", json=body)

    async def counts(self) -> tuple[int, int, int]:
        """(responses, tally respondents, outbox rows)."""
        async with self.runtime.engine.connect() as conn:
            n = (await conn.execute(select(func.count()).select_from(responses))).scalar_one()
            t = (await conn.execute(select(func.coalesce(func.sum(skm_tallies.c.respondents),
                                                         0)))).scalar_one()
            o = (await conn.execute(select(func.count()).select_from(outbox))).scalar_one()
        return n, int(t), o

    async def events(self, event_type: str | None = None) -> list:
        async with self.runtime.engine.connect() as conn:
            rows = (await conn.execute(select(outbox.c.payload).order_by(outbox.c.id))).all()
        found = [parse_event(r.payload) for r in rows]
        return [e for e in found if event_type is None or e.type == event_type]


def make_settings(database_url: str, bootstrap: str, prefix: str, **extra) -> SurveysSettings:
    return SurveysSettings(environment="test", database_url=database_url,
                           kafka_bootstrap=bootstrap, topic_prefix=prefix,
                           relay_poll_interval_s=0.2, consumer_retry_backoff_s=0.01,
                           kafka_request_timeout_ms=3000, **extra)


async def serve(settings: SurveysSettings, *, consume: bool, **app_options):
    """The app started (lifespan), an ASGI client on it; ``consume=False``: no consumer."""
    app = create_app(settings, **app_options)
    built = app.state.runtime.subscriptions
    if not consume:  # no consumer group to join and leave: seconds faster per test
        app.state.runtime.subscriptions = ()
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app)
        async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
            yield Api(client, settings, app.state.runtime,
                      app.state.services[SurveyService], built)


@pytest.fixture
async def api(broker, database_url, topic_prefix):
    """The app with its relay but without its consumer (HTTP tests)."""
    settings = make_settings(database_url, broker.bootstrap, topic_prefix)
    async for served in serve(settings, consume=False):
        yield served


@pytest.fixture
async def consuming_api(broker, database_url, topic_prefix):
    """The whole service: relay and the complaint.resolved consumer."""
    settings = make_settings(database_url, broker.bootstrap, topic_prefix)
    async for served in serve(settings, consume=True):
        yield served
