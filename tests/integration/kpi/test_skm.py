"""The KPI service's IKM, grade, NRR per unsur and respondents equal the surveys service's for
the same scope and period: a real surveys app records responses, its relay publishes them
through the broker, the KPI consumes them, and both APIs are compared — also after the
survey's owner excludes a burst of answers, after an answer joins the excluded burst, after
the exclusion is undone, and after a rebuild from the topics."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from services.kpi.rebuild import rebuild
from services.surveys.app import create_app as create_surveys
from shared.auth import Role, mint_token
from shared.broker import ensure_topics
from shared.topics import all_topic_names
from tests.integration.kpi.conftest import Kpi, serve
from tests.integration.surveys.conftest import make_settings as surveys_settings

pytestmark = [pytest.mark.asyncio, pytest.mark.broker]
AGENCY = "dukcapil"
UNITS = ("unit-1", "unit-2")


def two(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


async def create_surveys_of_units(client: httpx.AsyncClient, auth: dict[str, str]) -> list[str]:
    survey_ids = []
    for unit in UNITS:
        r = await client.post("/v1/surveys", headers=auth,
                              json={"unit_id": unit, "title": f"SKM {unit}"})
        assert r.status_code == 201, r.text
        survey_ids.append(r.json()["id"])
        p = await client.post(f"/v1/surveys/{survey_ids[-1]}/periods", headers=auth,
                              json={"code": "2026-Q1"})
        assert p.status_code == 201, p.text
    return survey_ids


async def respond(app: Any, survey_id: str, answers: dict[str, int], day: int,
                  client: str = "127.0.0.1") -> None:
    """An online answer from ``client``'s address, submitted on ``day`` February 2026."""
    transport = httpx.ASGITransport(app, client=(client, 4000))
    async with httpx.AsyncClient(transport=transport, base_url="http://surveys") as c:
        r = await c.post(f"/v1/surveys/{survey_id}/responses", json={
            "response_id": str(uuid.uuid4()), "answers": answers,
            "submitted_at": f"2026-02-{day:02d}T10:00:00+07:00"})
    assert r.status_code == 201, r.text


async def wait_for_respondents(kpi: Kpi, expected: int) -> None:
    deadline = time.monotonic() + 45
    while time.monotonic() < deadline:
        r = await kpi.client.get(f"/v1/public/agencies/{AGENCY}/indicators",
                                 params={"period": "2026-Q1"})
        if r.status_code == 200 and {i["code"]: i for i in r.json()["indicators"]}[
                "skm_respondents"]["value"] == expected:
            return
        await asyncio.sleep(0.3)


async def assert_equal_figures(client: httpx.AsyncClient, kpi: Kpi) -> None:
    """Each unit's and the agency's figures for 2026-Q1, through both APIs."""
    supervisor = kpi.auth(Role.ADMIN)
    for unit in (*UNITS, None):
        path = (f"/v1/agencies/{AGENCY}/units/{unit}/results" if unit
                else f"/v1/agencies/{AGENCY}/results")
        theirs = (await client.get(path, params={"period": "2026-Q1"})).json()
        params = {"period": "2026-Q1"} | ({"unit": unit} if unit else {})
        ours = (await kpi.client.get(f"/v1/agencies/{AGENCY}/indicators",
                                     params=params, headers=supervisor)).json()
        got = {i["code"]: i for i in ours["indicators"]}
        assert got["skm_respondents"]["value"] == theirs["respondents"], unit
        assert two(got["ikm"]["value"]) == two(theirs["ikm"]), unit
        assert got["ikm"]["details"]["grade"] == theirs["grade"]
        nrr = {e["code"]: two(e["nrr"]) for e in theirs["elements"]}
        assert {k: two(v) for k, v in got["ikm"]["details"]["nrr"].items()} == nrr
        assert got["ikm"]["details"]["weakest_first"] == theirs["weakest_first"]


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
        survey_ids = await create_surveys_of_units(client, {"Authorization": f"Bearer {token}"})
        recorded = 0
        for survey_id in survey_ids:
            for _ in range(17):
                answers = {f"U{i}": rng.choice([1, 2, 3, 3, 4, 4, 4]) for i in range(1, 10)}
                await respond(surveys_app, survey_id, answers, rng.randint(1, 28))
                recorded += 1
        async for kpi in serve(kpi_settings(), consume=True):
            await wait_for_respondents(kpi, recorded)
            await assert_equal_figures(client, kpi)
        await client.aclose()


async def test_ikm_equals_the_surveys_service_when_a_burst_is_excluded(
        broker, tmp_path, kpi_settings, topic_prefix):
    """A burst of all-1 answers from one address, dated on two days, moves unit-1's IKM; its
    owner excludes it (the surveys service publishes survey.burst_excluded), one more answer
    of that address joins the excluded burst, the exclusion is undone: after each step the
    KPI's figures are the surveys service's, and a rebuild from the topics keeps them."""
    await ensure_topics(broker.bootstrap, all_topic_names(topic_prefix))
    s_settings = surveys_settings(f"sqlite+aiosqlite:///{tmp_path / 'surveys.db'}",
                                  broker.bootstrap, topic_prefix, burst_threshold=3)
    now = datetime(2026, 3, 2, 3, 10, tzinfo=UTC)  # one answer window for the whole test
    surveys_app = create_surveys(s_settings, clock=lambda: now)
    surveys_app.state.runtime.subscriptions = ()
    rng = random.Random(12)
    ones = {f"U{i}": 1 for i in range(1, 10)}
    async with surveys_app.router.lifespan_context(surveys_app):
        client = httpx.AsyncClient(transport=httpx.ASGITransport(surveys_app),
                                   base_url="http://surveys")
        token = mint_token(s_settings, subject="admin", roles=[Role.ADMIN], agency_id=AGENCY)
        auth = {"Authorization": f"Bearer {token}"}
        survey_ids = await create_surveys_of_units(client, auth)
        recorded = 0
        for n, survey_id in enumerate(survey_ids):
            for k in range(12):  # each from its own address: no burst
                answers = {f"U{i}": rng.choice([2, 3, 3, 4, 4, 4]) for i in range(1, 10)}
                await respond(surveys_app, survey_id, answers, rng.randint(1, 28),
                              client=f"10.0.{n}.{k}")
                recorded += 1
        for day in (9, 9, 10, 10, 10, 10):
            await respond(surveys_app, survey_ids[0], ones, day, client="203.0.113.9")
            recorded += 1
        (burst,) = (await client.get(f"/v1/surveys/{survey_ids[0]}/bursts",
                                     params={"period": "2026-Q1"}, headers=auth)).json()
        assert burst["responses"] == 6
        url = f"/v1/surveys/{survey_ids[0]}/bursts/{burst['id']}/exclude"

        async for kpi in serve(kpi_settings(), consume=True):
            await wait_for_respondents(kpi, recorded)
            await assert_equal_figures(client, kpi)  # flagged, still counted by both

            assert (await client.post(url, headers=auth)).status_code == 200
            assert (await client.post(url, headers=auth)).status_code == 200  # no 2nd event
            await wait_for_respondents(kpi, recorded - 6)
            await assert_equal_figures(client, kpi)

            await respond(surveys_app, survey_ids[0], ones, 11, client="203.0.113.9")
            recorded += 1  # joins the excluded burst: in neither service's figures
            await respond(surveys_app, survey_ids[1], ones, 11, client="10.0.9.9")
            recorded += 1  # and one that counts, so that the KPI has caught up when it shows
            await wait_for_respondents(kpi, recorded - 7)
            await assert_equal_figures(client, kpi)

            assert (await client.delete(url, headers=auth)).status_code == 200
            await wait_for_respondents(kpi, recorded)
            await assert_equal_figures(client, kpi)

            assert (await client.post(url, headers=auth)).status_code == 200
            await wait_for_respondents(kpi, recorded - 7)
            await assert_equal_figures(client, kpi)
            result = await rebuild(kpi.settings)
            assert result.folded >= recorded + 3
            await assert_equal_figures(client, kpi)
        await client.aclose()
