"""Provable figures: a history of more than 10 000 events (holidays, weekends, reopens,
forwards, duplicates, offline filings arriving late, redelivered messages) goes through the
broker to the live consumer; then ``suara-kpi rebuild`` replays the topics into fresh tables and
swaps them in. The figures after live consumption, after the rebuild and from an independent
reference computed here from the raw events are equal (counts exactly, percentiles in hours
within the documented bound)."""

from __future__ import annotations

import asyncio
import time
from datetime import date

import pytest
from aiokafka import AIOKafkaProducer

from services.kpi.domain.histogram import HOURS_RELATIVE_ERROR
from services.kpi.domain.periods import parse_period
from services.kpi.rebuild import rebuild
from shared.broker import ensure_topics
from shared.calendar import WorkingCalendar
from shared.topics import all_topic_names, topic_name
from tests.integration.kpi.conftest import serve
from tests.integration.kpi.history import Reference, generate

pytestmark = [pytest.mark.asyncio, pytest.mark.broker, pytest.mark.timeout(1200)]
LEAVE = [date(2026, 12, 24), date(2026, 12, 26)]  # cuti bersama around Christmas
SCOPES = ["kota", "kec-a", "dinkes"]
PERIODS = ["2026-09", "2026-10", "2026-11", "2026-12", "2026-Q4", "2026-W41", "2026-10-15",
           "2026-H2"]
COMPARED = ["filed", "verified", "rejected", "forwarded", "resolved", "reopened", "closed",
            "resolved_within_5wd", "time_to_resolution_wd_median", "time_to_resolution_wd_p90",
            "time_to_resolution_wd_mean", "time_to_resolution_count",
            "time_to_verification_wd_median", "sla_verification", "sla_resolution", "backlog",
            "backlog_age_0_3", "backlog_age_4_5", "backlog_age_6_14", "backlog_age_15_60",
            "backlog_age_over_60", "rating_mean", "rating_count", "anonymous_share",
            "integrity_complaints", "reopen_rate"]


async def publish(bootstrap: str, prefix: str, events) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5,
                                max_batch_size=256 * 1024)
    await producer.start()
    try:
        for e in events:
            await producer.send(topic_name(e.data.topic, prefix),
                                value=e.model_dump_json().encode(), key=e.subject.encode())
        await producer.flush()
    finally:
        await producer.stop()


async def figures(kpi) -> dict:
    out = {}
    for agency in SCOPES:
        for period in PERIODS:
            r = await kpi.client.get(f"/v1/public/agencies/{agency}/indicators",
                                     params={"period": period})
            assert r.status_code == 200, r.text
            out[(agency, period)] = {i["code"]: i["value"] for i in r.json()["indicators"]}
    return out


async def applied_count(kpi) -> int:
    from sqlalchemy import func, select

    from services.kpi.models import applied
    async with kpi.runtime.engine.connect() as conn:
        return (await conn.execute(select(func.count()).select_from(applied))).scalar_one()


async def test_live_equals_rebuild_equals_reference(broker, kpi_settings, topic_prefix):
    settings = kpi_settings(collective_leave=LEAVE, consumer_max_batch=500)
    calendar = WorkingCalendar(collective_leave=frozenset(LEAVE))
    events = generate(seed=2026, complaints=1700, calendar=calendar)
    assert len(events) >= 10_000
    unique = len({e.id for e in events})
    assert unique < len(events)  # redeliveries are in the stream
    await ensure_topics(broker.bootstrap, all_topic_names(topic_prefix))
    await publish(broker.bootstrap, topic_prefix, events)
    reference = Reference(events, calendar)
    async for kpi in serve(settings, consume=True):
        deadline = time.monotonic() + 900  # a loaded machine: the wait is no performance claim
        while await applied_count(kpi) < unique and time.monotonic() < deadline:
            await asyncio.sleep(0.5)
        assert await applied_count(kpi) == unique
        live = await figures(kpi)
        result = await rebuild(settings)
        assert result.folded == unique and result.duplicates == len(events) - unique
        rebuilt = await figures(kpi)
        assert await applied_count(kpi) == unique
    mismatches = []
    for (agency, period), got in live.items():
        p = parse_period(period)
        expected = reference.compute(agency, p.start, p.end, p.survey_codes())
        for code in COMPARED + (["ikm", "skm_respondents"] if p.monthly else []):
            if got[code] != expected[code]:
                mismatches.append((agency, period, code, got[code], expected[code]))
        exact = expected["_ttr_seconds_median"]
        if exact is not None:  # every period, days and weeks too
            assert got["time_to_resolution_hours_median"] is not None, (agency, period)
            estimate = got["time_to_resolution_hours_median"] * 3600
            bound = max(HOURS_RELATIVE_ERROR * exact, 30) + 18  # + the API's 0.01 h rounding
            assert abs(estimate - exact) <= bound, (agency, period, estimate, exact)
    assert not mismatches, mismatches[:20]
    assert rebuilt == live
    assert live[("kota", "2026-Q4")]["filed"] > 500
