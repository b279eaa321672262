"""The notifications app over ASGI on a fresh database (SQLite and PostgreSQL), a real SMTP
server (aiosmtpd), a local webhook receiver, and a clock the tests drive."""

from __future__ import annotations

import asyncio
import email
import email.policy
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller

from services.notifications.app import create_app
from services.notifications.service.messages import MessageService
from services.notifications.service.webhooks import WebhookService
from services.notifications.settings import NotificationsSettings
from shared.auth import Role, mint_token
from shared.broker import free_port
from shared.deps import registered
from shared.events.notifications import NotificationRequested
from shared.runtime import ServiceRuntime


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


class Inbox:
    """aiosmtpd handler: keeps every message it accepted; can refuse for a while."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse_with: str | None = None
        self.arrived = asyncio.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse_with:
            return self.refuse_with
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(msg)  # type: ignore[arg-type]
        self.arrived.set()
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    async def wait_for(self, count: int, timeout: float = 20.0) -> list[EmailMessage]:
        deadline = asyncio.get_running_loop().time() + timeout
        while len(self.messages) < count:
            remaining = deadline - asyncio.get_running_loop().time()
            assert remaining > 0, f"{len(self.messages)} e-mails, expected {count}"
            self.arrived.clear()
            try:
                await asyncio.wait_for(self.arrived.wait(), min(remaining, 0.5))
            except TimeoutError:
                pass
        return self.messages


@dataclass
class Smtp:
    inbox: Inbox
    port: int
    controller: Controller

    def stop(self) -> None:
        self.controller.stop()

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()


@pytest.fixture
def smtp() -> Iterator[Smtp]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    server = Smtp(inbox, port, controller)
    yield server
    try:
        server.controller.stop()
    except (AssertionError, RuntimeError):
        pass


@dataclass
class Svc:
    client: httpx.AsyncClient
    settings: NotificationsSettings
    runtime: ServiceRuntime
    clock: Clock
    messages: MessageService
    webhooks: WebhookService

    def auth(self, *roles: Role, agency: str | None = "dpupr-bdg") -> dict[str, str]:
        token = mint_token(self.settings, subject="admin-1", roles=roles or [Role.ADMIN],
                           agency_id=agency)
        return {"Authorization": f"Bearer {token}"}

    async def request(self, **fields: Any) -> NotificationRequested:
        """Hand a request to the consumer's use case, as the bus would (no broker)."""
        body: dict[str, Any] = {
            "notification_id": f"n-{len(fields)}-{id(fields)}", "channel": "email",
            "recipient": "siti@example.id", "audience": "citizen", "locale": "id",
            "template_name": "complaint_filed",
            "template_variables": {"tracking_code": "SR-7K2QX9", "status": "submitted",
                                   "tracking_url": "https://lapor.example/t/SR-7K2QX9"},
            "complaint_id": "c-1", "occurred_at": self.clock().isoformat()} | fields
        request = NotificationRequested.model_validate(body)
        async with self.runtime.unit_of_work() as uow:
            await self.messages.accept(uow, request)
        return request

    async def send_due(self) -> int:
        """One pass of the sender: claim, send, record. Returns how many were sent to."""
        claimed = await self.messages.claim()
        await self.messages.record(await self.messages.send(claimed.jobs))
        return len(claimed.jobs)


def make_settings(database_url: str, **extra: Any) -> NotificationsSettings:
    values: dict[str, Any] = {"environment": "test", "database_url": database_url,
                              "kafka_bootstrap": "127.0.0.1:1", "relay_enabled": False,
                              "kafka_request_timeout_ms": 1000, "smtp_timeout_s": 3.0}
    return NotificationsSettings(**(values | extra))




async def serve(settings: NotificationsSettings, clock: Clock, *, background: bool,
                **kw: Any) -> AsyncIterator[Svc]:
    app = create_app(settings, clock=clock, **kw)
    runtime: ServiceRuntime = app.state.runtime
    messages, webhooks = registered(app, MessageService), registered(app, WebhookService)
    if not background:  # the test drives the sender and the dispatcher itself
        runtime.subscriptions = ()
        runtime.task_factories = ()
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app)
        async with httpx.AsyncClient(transport=transport, base_url="http://notifications") as c:
            yield Svc(c, settings, runtime, clock, messages, webhooks)
        if not background:
            await messages.close()
            await webhooks.client.close()


@pytest.fixture
def clock() -> Clock:
    # a Tuesday, 14:05 in Jakarta: outside quiet hours
    return Clock(datetime(2026, 12, 1, 7, 5, tzinfo=UTC))


@pytest.fixture
async def svc(database_url, smtp, clock) -> AsyncIterator[Svc]:
    settings = make_settings(database_url, smtp_port=smtp.port)
    async for s in serve(settings, clock, background=False):
        yield s
