"""Background loops of the kpi service, wired in app.py."""

from __future__ import annotations

import asyncio

import structlog

from services.kpi.service import KpiService
from services.kpi.service.closing import close_ready
from shared.runtime import BackgroundTask, ServiceRuntime, pause

log = structlog.get_logger(__name__)


def period_close_task(service: KpiService) -> BackgroundTask:
    """Every ``close_scan_interval_s``: evaluate the periods whose grace period is over."""

    async def period_close(runtime: ServiceRuntime, stopping: asyncio.Event) -> None:
        while not stopping.is_set():
            for closed in await close_ready(service):
                if not closed.already_closed:
                    log.info("kpi.period_closed", period=closed.period,
                             targets_missed=closed.published)
            await pause(stopping, service.settings.close_scan_interval_s)

    return period_close
