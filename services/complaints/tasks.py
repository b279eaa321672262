"""The complaints service's background loops, wired in ``app.py``: the SLA scan, the purge
of stored filing answers, the retention of the reporters' contacts, and the one-time
announcement of a catalogue an upgrade found. Each is built from what the composition root
gives it; the runtime it runs in (``shared.runtime.BackgroundTask``) supplies the database.
The work itself is in ``service/scheduling.py`` and ``service/catalogue.py``."""

from __future__ import annotations

import asyncio

import structlog

from services.complaints.service import (
    AnswerPurge,
    CatalogueService,
    Clock,
    ContactRetention,
    SlaScanner,
)
from services.complaints.settings import ComplaintsSettings
from services.complaints.sla import SlaPolicy
from shared.runtime import BackgroundTask, ServiceRuntime, pause

log = structlog.get_logger(__name__)

PURGE_EVERY_S = 600.0


def sla_scan(*, settings: ComplaintsSettings, policy: SlaPolicy, clock: Clock) -> BackgroundTask:
    """Scan for SLA warnings, breaches and auto-closes every ``sla_scan_interval_s``."""

    async def sla_scan(runtime: ServiceRuntime, stopping: asyncio.Event) -> None:
        scanner = SlaScanner(runtime=runtime, settings=settings, policy=policy)
        while not stopping.is_set():
            await scanner.scan(now=clock())
            await pause(stopping, settings.sla_scan_interval_s)

    return sla_scan


def answer_purge(*, settings: ComplaintsSettings, clock: Clock) -> BackgroundTask:
    """Delete the filings' stored answers past their TTL, every ``PURGE_EVERY_S``."""

    async def idempotency_purge(runtime: ServiceRuntime, stopping: asyncio.Event) -> None:
        purge = AnswerPurge(runtime=runtime, settings=settings)
        while not stopping.is_set():
            await purge.purge(now=clock())
            await pause(stopping, PURGE_EVERY_S)

    return idempotency_purge


def catalogue_announcer(*, catalogue: CatalogueService) -> BackgroundTask:
    """Once at start: publish the agencies and categories never announced (a database from
    before the catalogue events); then done. A failure is retried by the runtime."""

    async def catalogue_announcer(runtime: ServiceRuntime, stopping: asyncio.Event) -> None:
        done = await catalogue.announce_pending()
        if done.agencies or done.categories:
            log.info("catalogue.announced", agencies=done.agencies,
                     categories=done.categories)

    return catalogue_announcer


def contact_retention(*, settings: ComplaintsSettings, clock: Clock) -> BackgroundTask:
    """Erase the contacts past ``contact_retention_days`` in a terminal status (and the old
    push requests' token hashes), every ``PURGE_EVERY_S``."""

    async def contact_retention(runtime: ServiceRuntime, stopping: asyncio.Event) -> None:
        retention = ContactRetention(runtime=runtime, settings=settings)
        while not stopping.is_set():
            await retention.erase(now=clock())
            await pause(stopping, PURGE_EVERY_S)

    return contact_retention
