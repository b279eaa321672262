"""A KPI target an agency missed reaches its notification address (issue 11): the complaints
service consumes kpi.target_missed.v1 (group kpi-targets) and asks for one e-mail per agency,
indicator, scope and period; an agency without an address, or unknown here, gets nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from shared.auth import Role
from shared.events import KpiTargetMissed, new_event
from shared.tables import outbox
from shared.testing import Deliverer

pytestmark = pytest.mark.asyncio


def missed(agency_id: str = "dpupr-bdg", **overrides) -> KpiTargetMissed:
    return KpiTargetMissed(**{
        "agency_id": agency_id, "indicator_code": "resolved_within_5wd", "period": "2026-11",
        "value": 72.5, "target": 90.0, "comparison": "at_least", "measure": "percent",
        "occurred_at": datetime(2026, 12, 3, 1, 0, tzinfo=UTC)} | overrides)


async def requests(api) -> list[dict]:
    async with api.app.state.runtime.engine.connect() as conn:
        rows = (await conn.execute(select(outbox.c.payload).where(
            outbox.c.event_type == "notification.requested.v1"))).scalars().all()
    return [d for d in (json.loads(r)["data"] for r in rows)
            if d["template_name"] == "kpi_target_missed"]


async def test_a_missed_target_is_mailed_to_the_agency_once(offline):
    runtime = offline.app.state.runtime
    [subscription] = [s for s in runtime.subscriptions if s.name == "kpi-targets"]
    deliver = Deliverer(runtime.engine, subscription, source="/suara/kpi")
    admin = offline.token(Role.ADMIN)
    r = await offline.client.put("/v1/agencies/dpupr-bdg/notification-address", headers=admin,
                                 json={"notification_email": "pengaduan@pu.bandung.go.id"})
    assert r.status_code == 200, r.text

    event = new_event(missed(), source="/suara/kpi")
    assert (await deliver(event)).outcome == "handled"
    assert (await deliver(event)).outcome == "duplicate"  # redelivered: the inbox drops it
    await deliver(missed())  # the same miss again, as a new event (a KPI replay)
    await deliver(missed("dpmptsp-sby"))  # no notification address: nobody to tell
    await deliver(missed("elsewhere"))  # not in this catalogue
    await deliver(missed(category_code="JALAN-RUSAK"))  # another scope: its own message

    sent = await requests(offline)
    assert len(sent) == 3  # the replay is the same request id, dropped by notifications
    assert len({m["notification_id"] for m in sent}) == 2
    mail = sent[0]
    assert mail == mail | {"channel": "email", "recipient": "pengaduan@pu.bandung.go.id",
                           "audience": "officer", "agency_id": "dpupr-bdg",
                           "complaint_id": None}
    assert mail["template_variables"] == {
        "indicator_code": "resolved_within_5wd", "period": "2026-11", "scope": "",
        "value": 72.5, "target": 90.0, "comparison": "at_least", "measure": "percent"}
    assert sent[-1]["template_variables"]["scope"] == "JALAN-RUSAK"
