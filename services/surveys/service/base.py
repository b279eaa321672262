"""What every use case of the surveys service has: its dependencies, its two kinds of unit
of work, and the loaders that turn a missing survey or period into a 404."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from services.surveys import errors, repository
from services.surveys.service.clients import ClientHasher
from services.surveys.settings import SurveysSettings
from shared.runtime import ServiceRuntime
from shared.types import AnyRow
from shared.uow import UnitOfWork

#: Where a use case reads the time: injected, so a test can set it.
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class ReadOnly:
    """A read-only unit of work: one connection (one snapshot on PostgreSQL's default
    isolation per statement), no transaction to commit, nothing to publish."""

    conn: AsyncConnection


#: What the shared loaders accept: either kind of unit of work.
Unit = UnitOfWork | ReadOnly


class ServiceBase:
    """Dependencies of the use cases. ``runtime`` gives the units of work (its engine exists
    once the app has started); ``clock`` is the only source of "now"; ``hasher`` the only
    thing that sees a client's address (service.bursts)."""

    def __init__(self, runtime: ServiceRuntime, settings: SurveysSettings, *,
                 clock: Clock = utc_now, hasher: ClientHasher | None = None) -> None:
        self.runtime = runtime
        self.settings = settings
        self.clock = clock
        self.hasher = hasher or ClientHasher()

    @asynccontextmanager
    async def _writing(self) -> AsyncIterator[UnitOfWork]:
        """A unit of work: one transaction, its events in the outbox, committed on exit."""
        async with self.runtime.unit_of_work() as uow:
            yield uow

    @asynccontextmanager
    async def _reading(self) -> AsyncIterator[ReadOnly]:
        async with self.runtime.engine.connect() as conn:
            yield ReadOnly(conn)


async def load_survey(unit: Unit, survey_id: str, *, lock: bool = False) -> AnyRow:
    survey = await repository.get_survey(unit.conn, survey_id, lock=lock)
    if survey is None:
        raise errors.not_found("survey_id", f"No survey {survey_id}.", "survey_not_found",
                               {"survey_id": survey_id})
    return survey


async def load_period(unit: Unit, survey_id: str, code: str) -> AnyRow:
    period = await repository.get_period(unit.conn, survey_id, code)
    if period is None:
        raise errors.not_found("period", f"Survey {survey_id} has no period {code}.",
                               "period_not_found", {"survey_id": survey_id, "period": code})
    return period
