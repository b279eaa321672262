"""The surveys service's background loops, wired in ``app.py``."""

from __future__ import annotations

import asyncio

import structlog

from services.surveys.service import SurveyService
from shared.runtime import BackgroundTask, ServiceRuntime, pause

log = structlog.get_logger(__name__)
PURGE_INTERVAL_S = 3600.0


def burst_purge(service: SurveyService, *, interval_s: float = PURGE_INTERVAL_S
                ) -> BackgroundTask:
    """Every ``interval_s``: forget the answer windows older than the retention (the quiet
    ones go; bursts keep their counts, not their client hash)."""

    async def purge_answer_windows(runtime: ServiceRuntime, stopping: asyncio.Event) -> None:
        while not stopping.is_set():
            deleted = await service.purge_bursts()
            if deleted:
                log.info("survey.answer_windows_purged", buckets=deleted)
            await pause(stopping, interval_s)

    return purge_answer_windows
