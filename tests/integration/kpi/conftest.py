"""The kpi app over ASGI on a fresh database (SQLite and PostgreSQL); events handed to its
handler as the bus would (inbox claim and handler in one unit of work), or through the broker."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from services.kpi.app import create_app
from services.kpi.consumers import GROUP
from services.kpi.service import KpiService
from services.kpi.settings import KpiSettings
from shared.auth import Role, mint_token
from shared.events import CloudEvent
from shared.runtime import ServiceRuntime
from shared.testing import Deliverer


@dataclass
class Kpi:
    client: httpx.AsyncClient
    settings: KpiSettings
    runtime: ServiceRuntime
    service: KpiService
    clock: dict[str, datetime]

    async def deliver(self, *events: CloudEvent[Any]) -> int:
        """Hand events to the projection's handler as the consumer does; handled count."""
        deliver = Deliverer(self.runtime.engine, self.runtime.subscriptions[0],
                            group=f"{self.settings.consumer_group}.{GROUP}")
        handled = 0
        for event in events:
            handled += (await deliver(event)).outcome == "handled"
        return handled

    def auth(self, *roles: Role, agency: str | None = None) -> dict[str, str]:
        token = mint_token(self.settings, subject="supervisor-1",
                           roles=roles or [Role.SUPERVISOR], agency_id=agency)
        return {"Authorization": f"Bearer {token}"}

    async def indicators(self, agency_id: str, period: str) -> dict[str, Any]:
        r = await self.client.get(f"/v1/public/agencies/{agency_id}/indicators",
                                  params={"period": period})
        assert r.status_code == 200, r.text
        return {i["code"]: i for i in r.json()["indicators"]}

    async def staff_indicators(self, agency_id: str, period: str) -> dict[str, Any]:
        """What an admin sees: nothing withheld."""
        r = await self.client.get(f"/v1/agencies/{agency_id}/indicators",
                                  params={"period": period}, headers=self.auth(Role.ADMIN))
        assert r.status_code == 200, r.text
        return {i["code"]: i for i in r.json()["indicators"]}


def make_settings(database_url: str, bootstrap: str, prefix: str, **extra: Any) -> KpiSettings:
    values: dict[str, Any] = {
        "environment": "test", "database_url": database_url, "kafka_bootstrap": bootstrap,
        "topic_prefix": prefix, "relay_poll_interval_s": 0.2, "consumer_retry_backoff_s": 0.01,
        "kafka_request_timeout_ms": 3000, "kafka_session_timeout_ms": 3000,
        "collective_leave_from_package": False, "close_scan_interval_s": 3600.0,
        **extra}
    return KpiSettings(**values)


async def serve(settings: KpiSettings, *, consume: bool, tasks: bool = False,
                now: datetime | None = None) -> AsyncIterator[Kpi]:
    clock = {"now": now or datetime(2027, 2, 1, tzinfo=UTC)}
    app = create_app(settings, clock=lambda: clock["now"])
    runtime: ServiceRuntime = app.state.runtime
    subscriptions = runtime.subscriptions
    if not consume:
        runtime.subscriptions = ()
    if not tasks:
        runtime.task_factories = ()
    async with app.router.lifespan_context(app):
        runtime.subscriptions = subscriptions
        transport = httpx.ASGITransport(app)
        async with httpx.AsyncClient(transport=transport, base_url="http://kpi") as client:
            yield Kpi(client, settings, runtime, app.state.services[KpiService], clock)


@pytest.fixture
def kpi_settings(broker, database_url, topic_prefix) -> Callable[..., KpiSettings]:
    def build(**extra: Any) -> KpiSettings:
        return make_settings(database_url, broker.bootstrap, topic_prefix, **extra)
    return build


@pytest.fixture
async def kpi(kpi_settings) -> AsyncIterator[Kpi]:
    """The app with its relay, without its consumer (events handed to the handler)."""
    async for served in serve(kpi_settings(), consume=False):
        yield served
