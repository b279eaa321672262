"""The KPI service's IKM, grade, NRR per unsur and respondents equal the surveys service's for
the same scope and period: a real surveys app records responses, its relay publishes them
through the broker, the KPI consumes them, and both APIs are compared."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from decimal import Decimal

import httpx
import pytest

from services.surveys.app import create_app as create_surveys
from shared.auth import Role, mint_token
from shared.broker import ensure_topics
from shared.topics import all_topic_names
from tests.integration.kpi.conftest import serve
from tests.integration.surveys.conftest import make_settings as surveys_settings

pytestmark = [pytest.mark.asyncio, pytest.mark.broker]
AGENCY = "dukcapil"


def two(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


async def test_ikm_equals_the_surveys_service(broker, tmp_path, kpi_settings, topic_prefix):
    await ensure_topics(broker.bootstrap, all_topic_names(topic_prefix))
    # the surveys service has its own database (SQLite); the KPI runs on the parametrised one
    s_settings = surveys_settings(f"sqlite+aiosqlite:///{tmp_path / 'surveys.db'}",
                                  broker.bootstrap, topic_prefix)
    surveys_app = create_surveys(s_settings)
    surveys_app.state.runtime.subscriptions = ()
    rng = random.Random(11)
    async with surveys_app.router.lifespan_context(surveys_app):
        client = httpx.AsyncClient(transport=httpx.ASGITransport(surveys_app),
                                   base_url="http://surveys")
        token = mint_token(s_settings, subject="admin", roles=[Role.ADMIN], agency_id=AGENCY)
        auth = {"Authorization": f"Bearer {token}"}
        survey_ids = []
        for unit in ("unit-1", "unit-2"):
            r = await client.post("/v1/surveys", headers=auth,
                                  json={"unit_id": unit, "title": f"SKM {unit}"})
            assert r.status_code == 201, r.text
            survey_ids.append(r.json()["id"])
            p = await client.post(f"/v1/surveys/{survey_ids[-1]}/periods", headers=auth,
                                  json={"code": "2026-Q1"})
            assert p.status_code == 201, p.text
        recorded = 0
        for survey_id in survey_ids:
            for _ in range(17):
                answers = {f"U{i}": rng.choice([1, 2, 3, 3, 4, 4, 4]) for i in range(1, 10)}
                day = rng.randint(1, 28)
                r = await client.post(f"/v1/surveys/{survey_id}/responses", json={
                    "response_id": str(uuid.uuid4()), "answers": answers,
                    "submitted_at": f"2026-02-{day:02d}T10:00:00+07:00"})
                assert r.status_code == 201, r.text
                recorded += 1
        async for kpi in serve(kpi_settings(), consume=True):
            supervisor = kpi.auth(Role.ADMIN)
            deadline = time.monotonic() + 45
            while time.monotonic() < deadline:
                r = await kpi.client.get(f"/v1/public/agencies/{AGENCY}/indicators",
                                         params={"period": "2026-Q1"})
                if r.status_code == 200 and {i["code"]: i for i in r.json()["indicators"]}[
                        "skm_respondents"]["value"] == recorded:
                    break
                await asyncio.sleep(0.3)
            for unit in ("unit-1", "unit-2", None):
                path = (f"/v1/agencies/{AGENCY}/units/{unit}/results" if unit
                        else f"/v1/agencies/{AGENCY}/results")
                theirs = (await client.get(path, params={"period": "2026-Q1"})).json()
                params = {"period": "2026-Q1"} | ({"unit": unit} if unit else {})
                ours = (await kpi.client.get(f"/v1/agencies/{AGENCY}/indicators",
                                             params=params, headers=supervisor)).json()
                got = {i["code"]: i for i in ours["indicators"]}
                assert got["skm_respondents"]["value"] == theirs["respondents"]
                assert two(got["ikm"]["value"]) == two(theirs["ikm"]), unit
                assert got["ikm"]["details"]["grade"] == theirs["grade"]
                nrr = {e["code"]: two(e["nrr"]) for e in theirs["elements"]}
                assert {k: two(v) for k, v in got["ikm"]["details"]["nrr"].items()} == nrr
                assert got["ikm"]["details"]["weakest_first"] == theirs["weakest_first"]
        await client.aclose()
