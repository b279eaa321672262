"""Housekeeping: the stored answers to retried filings (idempotency keys) are kept for
``idempotency_ttl_hours``, then deleted. A retry later than that files anew, and the citizen's
token inside a stored answer does not stay in the database longer than retries need it."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import structlog

from services.complaints import repository
from shared.runtime import ServiceRuntime, pause

log = structlog.get_logger(__name__)
PURGE_EVERY_S = 600.0


async def idempotency_purge(runtime: ServiceRuntime, stopping: asyncio.Event) -> None:
    service = runtime.state["complaints"]
    while not stopping.is_set():
        await purge_idempotency_keys(service, service.now())
        await pause(stopping, PURGE_EVERY_S)


async def purge_idempotency_keys(service, now: datetime) -> int:
    """Delete the keys older than the TTL; returns how many."""
    cutoff = now - timedelta(hours=service.settings.idempotency_ttl_hours)
    async with service.runtime.unit_of_work() as uow:
        purged = await repository.purge_idempotent(uow.conn, before=cutoff)
    if purged:
        log.info("idempotency.purged", keys=purged)
    return purged
