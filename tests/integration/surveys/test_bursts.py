"""Bursts of online SKM answers (issue 8 item 5): counted per client and window without
storing who answered, flagged, excluded from results by the owner, forgotten after a day."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select

from services.surveys import repository
from services.surveys.models import answer_buckets, burst_tallies, responses
from services.surveys.service import bursts
from shared.auth import Principal, Role
from tests.integration.surveys.conftest import ALL_THREES, make_settings, serve

NOW = datetime(2026, 5, 20, 3, 10, tzinfo=UTC)
ONES, FOURS = {f"U{i}": 1 for i in range(1, 10)}, {f"U{i}": 4 for i in range(1, 10)}


@pytest.fixture
async def bursty(broker, database_url, topic_prefix):
    """The app with a movable clock and a threshold of 3 answers per client and hour."""
    moment = [NOW]
    settings = make_settings(database_url, broker.bootstrap, topic_prefix, burst_threshold=3)
    async for api in serve(settings, consume=False, clock=lambda: moment[0]):
        api.moment = moment  # type: ignore[attr-defined]
        yield api


async def answer(api, survey_id: str, answers: dict[str, int], client: str,
                 submitted_at: str | None = None, **profile) -> None:
    transport = httpx.ASGITransport(api.client._transport.app, client=(client, 4000))
    extra = {"submitted_at": submitted_at} if submitted_at else {}
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as other:
        r = await other.post(f"/v1/surveys/{survey_id}/responses", json={
            "response_id": str(uuid.uuid4()), "answers": answers, "profile": profile} | extra)
    assert r.status_code == 201, r.text


async def results(api, survey_id: str, **params) -> dict:
    r = await api.client.get(f"/v1/surveys/{survey_id}/results",
                             params={"period": "2026"} | params)
    assert r.status_code == 200, r.text
    return r.json()


async def test_a_burst_is_flagged_listed_and_excluded_by_the_owner(bursty):
    api = bursty
    survey_id = await api.survey("2026")
    for _ in range(5):  # the attack, scaled down: all 1s from one address
        await answer(api, survey_id, ONES, "203.0.113.9", sex="L")
    await answer(api, survey_id, FOURS, "198.51.100.1", sex="P")
    await answer(api, survey_id, FOURS, "198.51.100.2")

    counted = await results(api, survey_id)
    assert counted["respondents"] == 7 and counted["ikm"] == 46.43  # flagged, still counted
    b = counted["bursts"]
    assert (b["flagged"], b["flagged_responses"], b["excluded"]) == (1, 5, 0)
    assert b["without_flagged"] == {"respondents": 2, "ni": 4.0, "ikm": 100.0, "grade": "A"}

    owner = api.auth()
    listed = await api.client.get(f"/v1/surveys/{survey_id}/bursts",
                                  params={"period": "2026"}, headers=owner)
    assert listed.status_code == 200, listed.text
    (burst,) = listed.json()
    assert burst["responses"] == 5 and burst["ikm"] == 25.0 and burst["excluded"] is False
    assert burst["window_start"] == "2026-05-20T03:00:00Z"
    assert burst["window_end"] == "2026-05-20T04:00:00Z"

    url = f"/v1/surveys/{survey_id}/bursts/{burst['id']}/exclude"
    assert (await api.client.post(url)).status_code == 401
    other = api.auth(Role.ADMIN, agency="agency-2")
    assert (await api.client.post(url, headers=other)).status_code == 403
    assert (await api.client.post(url, headers=api.auth(Role.OFFICER))).status_code == 403
    excluded = await api.client.post(url, headers=owner)
    assert excluded.status_code == 200 and excluded.json()["excluded"] is True
    assert excluded.json()["excluded_by"] == "officer-1"

    without = await results(api, survey_id, by="sex")
    assert without["respondents"] == 2 and without["ikm"] == 100.0
    assert without["bursts"]["excluded"] == 1 and without["bursts"]["excluded_responses"] == 5
    assert [(s["value"], s["respondents"]) for s in without["segments"]] == [
        ("P", 1), ("not_given", 1)]  # the burst's five L are out of the segments too
    unit = (await api.client.get("/v1/agencies/agency-1/units/unit-1/results",
                                 params={"period": "2026"})).json()
    assert unit["respondents"] == 2 and unit["ikm"] == 100.0

    assert (await api.client.delete(url, headers=owner)).json()["excluded"] is False
    assert (await results(api, survey_id))["respondents"] == 7
    assert (await api.client.post(url, headers=owner)).status_code == 200
    closed = await api.client.post(f"/v1/surveys/{survey_id}/periods/2026/close",
                                   headers=owner)
    assert closed.status_code == 200
    (event,) = await api.events("survey.period_closed.v1")
    assert event.data.ikm == 100.0 and event.data.response_count == 2  # the burst left out
    r = await api.client.delete(url, headers=owner)
    assert r.status_code == 409 and r.json()["error"] == "period_closed"
    missing = await api.client.post(f"/v1/surveys/{survey_id}/bursts/nope/exclude",
                                    headers=owner)
    assert missing.status_code == 404 and missing.json()["field"] == "burst_id"


async def test_an_exclusion_is_published_once_with_the_bursts_answers_per_day(bursty):
    """What KPI needs to keep its IKM equal to the results: survey.burst_excluded with every
    answer of the burst, split by the local day it was submitted on (not the arrival
    window's), published only when the state changes; an answer that joins the excluded
    burst says so; survey.burst_included puts back all of them."""
    api = bursty
    survey_id = await api.survey("2026")
    await answer(api, survey_id, ONES, "203.0.113.9", submitted_at="2026-05-19T23:30:00+07:00")
    for _ in range(3):
        await answer(api, survey_id, ONES, "203.0.113.9", sex="L")
    await answer(api, survey_id, FOURS, "203.0.113.9")  # 5 > 3: a burst, flagged at the 4th
    await answer(api, survey_id, FOURS, "198.51.100.1")
    owner = api.auth()
    (burst,) = (await api.client.get(f"/v1/surveys/{survey_id}/bursts",
                                     params={"period": "2026"}, headers=owner)).json()
    url = f"/v1/surveys/{survey_id}/bursts/{burst['id']}/exclude"

    assert (await api.client.post(url, headers=owner)).status_code == 200
    assert (await api.client.post(url, headers=owner)).status_code == 200  # already: no event
    (excluded,) = await api.events("survey.burst_excluded.v1")
    e = excluded.data
    assert excluded.subject == survey_id  # keyed like the survey's responses: same partition
    assert (e.burst_id, e.agency_id, e.unit_id, e.period) == (burst["id"], "agency-1",
                                                              "unit-1", "2026")
    assert e.respondents == 5 and e.window_start == datetime(2026, 5, 20, 3, tzinfo=UTC)
    assert [(t.period, t.day.isoformat(), t.respondents) for t in e.tallies] == [
        ("2026", "2026-05-19", 1), ("2026", "2026-05-20", 4)]
    assert e.tallies[1].counts["U1"] == [3, 0, 0, 1] and e.tallies[0].counts["U9"] == [1, 0, 0, 0]
    assert "203.0.113" not in excluded.model_dump_json()

    await answer(api, survey_id, FOURS, "203.0.113.9")  # joins the excluded burst
    recorded = [x.data for x in await api.events("survey.response_recorded.v1")]
    assert [r.in_excluded_burst for r in recorded] == [False] * 6 + [True]
    assert (await results(api, survey_id))["respondents"] == 1  # the results leave it out too

    assert (await api.client.delete(url, headers=owner)).json()["excluded"] is False
    assert (await api.client.delete(url, headers=owner)).status_code == 200  # already: none
    (included,) = await api.events("survey.burst_included.v1")
    assert included.data.respondents == 6 and [t.respondents for t in included.data.tallies] == [
        1, 5]
    assert (await results(api, survey_id))["respondents"] == 7
    assert len(await api.events("survey.burst_excluded.v1")) == 1


async def test_an_excluded_burst_is_left_out_of_every_period_its_answers_count_for(bursty):
    """One client's window may hold answers of two periods (a client dates its answers): the
    burst is listed in its first answer's period, and its answers of the other period are
    left out of that one's results too, as the KPI subtracts them from each period."""
    api = bursty
    survey_id = await api.survey("2026-04", "2026-05")
    await answer(api, survey_id, ONES, "203.0.113.9", submitted_at="2026-04-30T20:00:00+07:00")
    for _ in range(3):
        await answer(api, survey_id, ONES, "203.0.113.9")
    await answer(api, survey_id, FOURS, "198.51.100.1")
    (burst,) = (await api.client.get(f"/v1/surveys/{survey_id}/bursts",
                                     params={"period": "2026-04"}, headers=api.auth())).json()
    assert burst["responses"] == 4
    assert (await results(api, survey_id, period="2026-05"))["bursts"]["flagged_responses"] == 3
    url = f"/v1/surveys/{survey_id}/bursts/{burst['id']}/exclude"
    assert (await api.client.post(url, headers=api.auth())).status_code == 200
    (event,) = await api.events("survey.burst_excluded.v1")
    assert [(t.period, t.respondents) for t in event.data.tallies] == [("2026-04", 1),
                                                                      ("2026-05", 3)]
    assert (await results(api, survey_id, period="2026-04"))["respondents"] == 0
    may = await results(api, survey_id, period="2026-05")
    assert may["respondents"] == 1 and may["ikm"] == 100.0


async def test_the_exclusion_and_its_event_are_one_transaction(bursty, monkeypatch):
    """A failure after the event was published leaves neither the exclusion nor the event."""
    api = bursty
    survey_id = await api.survey("2026")
    for _ in range(4):
        await answer(api, survey_id, ONES, "203.0.113.9")
    (burst,) = (await api.client.get(f"/v1/surveys/{survey_id}/bursts",
                                     params={"period": "2026"}, headers=api.auth())).json()

    async def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(repository, "burst_tallies_of", broken)  # read after the publish
    admin = Principal(subject="officer-1", roles=frozenset({Role.ADMIN}), agency_id="agency-1")
    with pytest.raises(RuntimeError):
        await api.service.set_burst_excluded(principal=admin, survey_id=survey_id,
                                             burst_id=burst["id"], excluded=True)
    monkeypatch.undo()
    assert await api.events("survey.burst_excluded.v1") == []
    async with api.runtime.engine.connect() as conn:
        (bucket,) = (await conn.execute(select(answer_buckets))).mappings().all()
    assert bucket["excluded_at"] is None
    done = await api.service.set_burst_excluded(principal=admin, survey_id=survey_id,
                                                burst_id=burst["id"], excluded=True)
    assert done.excluded_at is not None
    assert len(await api.events("survey.burst_excluded.v1")) == 1


async def test_who_answered_is_not_stored_and_windows_are_forgotten(bursty):
    api = bursty
    survey_id = await api.survey("2026")
    for _ in range(4):
        await answer(api, survey_id, ONES, "203.0.113.9")
    await answer(api, survey_id, FOURS, "198.51.100.1")
    api.moment[0] = NOW + timedelta(hours=1)  # the next window: a new count, a new key
    await answer(api, survey_id, ONES, "203.0.113.9")
    async with api.runtime.engine.connect() as conn:
        buckets = (await conn.execute(select(answer_buckets))).mappings().all()
        rows = (await conn.execute(select(responses))).mappings().all()
    assert sorted(b["responses"] for b in buckets) == [1, 1, 4]
    hashes = {b["client_hash"] for b in buckets}
    assert len(hashes) == 3  # the same address hashes differently in the next window
    dump = str([dict(b) for b in buckets]) + str([dict(r) for r in rows])
    assert "203.0.113" not in dump and "198.51.100" not in dump
    assert all(r["bucket_id"] for r in rows)

    api.moment[0] = NOW + timedelta(hours=30)  # past the retention (24 h)
    deleted = await bursts.purge(api.runtime, settings=api.settings, now=api.moment[0])
    assert deleted == 2  # the quiet windows; the burst stays, without its hash
    async with api.runtime.engine.connect() as conn:
        (kept,) = (await conn.execute(select(answer_buckets))).mappings().all()
        linked = (await conn.execute(select(responses.c.bucket_id)
                                     .where(responses.c.bucket_id.is_not(None)))).all()
        folded = (await conn.execute(select(burst_tallies))).mappings().all()
    assert kept["responses"] == 4 and kept["client_hash"] is None and kept["flagged_at"]
    assert len(linked) == 4 and sum(t["respondents"] for t in folded) == 4
    assert (await results(api, survey_id))["bursts"]["flagged_responses"] == 4


async def test_only_online_skm_answers_are_counted(bursty):
    api = bursty
    survey_id = await api.survey("2026")
    rows = [{"response_id": str(uuid.uuid4()), "answers": ALL_THREES} for _ in range(5)]
    r = await api.client.post(f"/v1/surveys/{survey_id}/responses/batch",
                              json={"rows": rows}, headers=api.auth(Role.OFFICER))
    assert r.json()["recorded"] == 5  # a paper batch keyed in by staff is not a burst
    async with api.runtime.engine.connect() as conn:
        assert (await conn.execute(select(answer_buckets))).all() == []
    assert (await results(api, survey_id))["bursts"]["flagged"] == 0


@pytest.fixture
async def limited(broker, database_url, topic_prefix):
    settings = make_settings(database_url, broker.bootstrap, topic_prefix,
                             rate_limit_enabled=True,
                             rate_limits={"survey_answer": "3/minute",
                                          "public_write": "1000/minute"})
    async for served in serve(settings, consume=False):
        yield served


async def test_answers_without_an_invitation_are_rate_limited_per_address(limited):
    """300 all-1 answers from one client moved a published IKM from 75 to 25.5 (issue 8.5):
    now the fourth answer within a minute from the same address is a 429 and is not stored."""
    survey_id = await limited.survey("2026-Q4")
    codes = [(await limited.respond(survey_id)).status_code for _ in range(5)]
    assert codes == [201, 201, 201, 429, 429]
    r = await limited.respond(survey_id)
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    assert (await limited.counts())[0] == 3
