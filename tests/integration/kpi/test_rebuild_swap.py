"""The rebuild's swap: events published while it replays are caught up under the lock, the
live service keeps serving, targets and published misses survive, and nothing counts twice."""

from __future__ import annotations

import asyncio
import time

import pytest

from services.kpi import rebuild as rebuild_module
from services.kpi.rebuild import rebuild
from shared.auth import Role
from shared.broker import ensure_topics
from shared.topics import all_topic_names
from tests.integration.kpi.conftest import serve
from tests.integration.kpi.factory import Complaint, at
from tests.integration.kpi.test_broker import publish, wait_for

pytestmark = [pytest.mark.asyncio, pytest.mark.broker, pytest.mark.timeout(300)]


async def test_events_published_during_a_rebuild_are_caught_up(broker, kpi_settings,
                                                               topic_prefix, monkeypatch):
    await ensure_topics(broker.bootstrap, all_topic_names(topic_prefix))
    first = [e for i in range(20) for e in Complaint("kota").file(
        at(f"2026-10-{i + 1:02d} 09:00")).verify(at(f"2026-10-{i + 1:02d} 11:00")).events]
    later = [e for i in range(5) for e in Complaint("kota").file(
        at(f"2026-10-{i + 21:02d} 09:00")).events]
    settings = kpi_settings()
    original_lock = rebuild_module.repository.lock_projection

    async def publish_then_lock(conn):
        await publish(broker.bootstrap, topic_prefix, later)  # while the replay runs
        await asyncio.sleep(1.0)  # the live consumer may or may not have them yet
        await original_lock(conn)

    async for kpi in serve(settings, consume=True):
        await publish(broker.bootstrap, topic_prefix, first)
        assert await wait_for(kpi, "kota", "2026-10", "filed", 20) == 20
        r = await kpi.client.post("/v1/targets", headers=kpi.auth(Role.ADMIN), json={
            "agency_id": "kota", "indicator_code": "filed", "value": 1,
            "direction": "at_most"})
        assert r.status_code == 201
        monkeypatch.setattr(rebuild_module.repository, "lock_projection", publish_then_lock)
        result = await rebuild(settings)
        assert result.caught_up >= 1
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            got = await kpi.indicators("kota", "2026-10")
            if got["filed"]["value"] == 25:
                break
            await asyncio.sleep(0.3)
        got = await kpi.indicators("kota", "2026-10")
        assert got["filed"]["value"] == 25  # every event once: none lost, none twice
        assert got["verified"]["value"] == 20
        assert got["filed"]["target"] == 1  # targets are not projection data
        await asyncio.sleep(1.5)  # the live consumer's late deliveries change nothing
        assert (await kpi.indicators("kota", "2026-10"))["filed"]["value"] == 25
