"""Background loops, wired in app.py: the message sender, the webhook dispatcher and the
purges, each built around the use-case objects the routes use too (the sender wakes when a
route or a handler stores a message). Each runs until the service stops; the runtime restarts
one that fails (logged)."""

from __future__ import annotations

import asyncio

import structlog

from services.notifications.service.messages import MessageService
from services.notifications.service.webhooks import WebhookService
from shared.runtime import BackgroundTask, ServiceRuntime, pause

log = structlog.get_logger(__name__)


async def _nap(stopping: asyncio.Event, wakeup: asyncio.Event, seconds: float) -> None:
    """Until ``seconds`` pass, the service stops, or something new is to be sent."""
    waiters = [asyncio.ensure_future(stopping.wait()), asyncio.ensure_future(wakeup.wait())]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waiters:
            w.cancel()
    wakeup.clear()


def message_sender(svc: MessageService) -> BackgroundTask:
    """Claim due messages, send them, record the outcomes; again at once while there are
    more, else after the poll interval (or when a new request arrives)."""

    async def send_messages(runtime: ServiceRuntime, stopping: asyncio.Event) -> None:
        recording: asyncio.Task[None] | None = None  # the previous batch's record, overlapping
        try:
            while not stopping.is_set():
                claimed = await svc.claim()
                if claimed.jobs:
                    results = await svc.send(claimed.jobs)
                    if recording is not None:
                        await recording
                    recording = asyncio.create_task(svc.record(results))
                busy = len(claimed.jobs) + claimed.deferred + claimed.failed
                if busy < svc.settings.sender_batch:
                    if recording is not None:
                        await recording
                        recording = None
                    await _nap(stopping, svc.wakeup, svc.settings.sender_poll_interval_s)
        finally:
            if recording is not None:
                await recording
            if stopping.is_set():  # the service stops: close the providers' connections
                await svc.close()

    return send_messages


def webhook_dispatcher(svc: WebhookService) -> BackgroundTask:
    async def dispatch_webhooks(runtime: ServiceRuntime, stopping: asyncio.Event) -> None:
        await svc.dispatch_forever(stopping)

    return dispatch_webhooks


def purges(messages: MessageService, webhooks: WebhookService) -> BackgroundTask:
    """Erase contact data past its retention; drop old webhook attempts."""

    async def purge(runtime: ServiceRuntime, stopping: asyncio.Event) -> None:
        while not stopping.is_set():
            erased = await messages.purge()
            dropped = await webhooks.purge()
            if erased or dropped:
                log.info("notifications.purged", contacts_erased=erased,
                         attempts_dropped=dropped)
            await pause(stopping, messages.settings.purge_interval_s)

    return purge
