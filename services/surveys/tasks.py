"""The surveys service's background loops, wired in ``app.py``. Each gets the runtime when
it runs (the runtime is built with its tasks, before the use cases that need it)."""

from __future__ import annotations

import asyncio

import structlog

from services.surveys.service import Clock, bursts
from services.surveys.settings import SurveysSettings
from shared.runtime import BackgroundTask, ServiceRuntime, pause

log = structlog.get_logger(__name__)
PURGE_INTERVAL_S = 3600.0


def burst_purge(*, settings: SurveysSettings, clock: Clock,
                interval_s: float = PURGE_INTERVAL_S) -> BackgroundTask:
    """Every ``interval_s``: forget the answer windows older than the retention."""

    async def purge_answer_windows(runtime: ServiceRuntime, stopping: asyncio.Event) -> None:
        while not stopping.is_set():
            deleted = await bursts.purge(runtime, settings=settings, now=clock())
            if deleted:
                log.info("survey.answer_windows_purged", windows=deleted)
            await pause(stopping, interval_s)

    return purge_answer_windows
