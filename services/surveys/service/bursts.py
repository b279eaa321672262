"""Bursts of online SKM answers: counted without storing who answered, flagged, and
excluded from the results by the survey's owner (docs/surveys.md, "Bursts").

Each online SKM answer (not through an invitation link, not in an offline batch) is counted
in a bucket per survey, time window (``SUARA_SURVEYS_BURST_WINDOW_MINUTES``, by arrival
time) and client. The client is an HMAC of its address under a random key held in this
process's memory only and replaced at every window (``clients.ClientHasher``): the stored hash
links the answers of one window and nothing else, nobody can compute it back from an
address once the window is over, and it is cleared with the bucket a day later
(``purge``). More than ``SUARA_SURVEYS_BURST_THRESHOLD`` answers in one bucket flag it; from
then on its answers are also folded into ``burst_tallies`` (the earlier ones at once), which
results subtract when the owner excludes the burst. An exclusion, and its undoing, publish
``survey.burst_excluded`` / ``survey.burst_included`` with the burst's answers per period and
day, in the same transaction and only when the state changes; an answer that joins an
excluded burst says so in its ``survey.response_recorded`` (``in_excluded_burst``), so a
consumer that counts the events (kpi) keeps the figures the results give.

Replicas (and restarts) each have their own key, so a client whose answers are spread over
N replicas is counted N times more slowly: the rate limit (shared.http) bounds what one
client can send, the burst flags what it did send.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog

from services.surveys import errors, repository
from services.surveys.domain import bursts
from services.surveys.domain.ikm import IncompleteTally, SkmTally, compute_ikm
from services.surveys.domain.periods import local_date
from services.surveys.service.base import ServiceBase, load_survey
from services.surveys.service.clients import ClientHasher
from services.surveys.service.management import authorize
from services.surveys.service.results import survey_periods_for
from services.surveys.settings import SurveysSettings
from shared.auth import Principal
from shared.events.surveys import (
    BurstTally,
    SurveyBurstEvent,
    SurveyBurstExcluded,
    SurveyBurstIncluded,
)
from shared.runtime import ServiceRuntime
from shared.types import AnyRow
from shared.uow import UnitOfWork

log = structlog.get_logger(__name__)
NAMESPACE = uuid.UUID("2b0f5c8e-61a4-5d0e-8c1b-5375617261cc")


@dataclass(frozen=True, slots=True)
class Counted:
    """Where an answer was counted: its bucket (the response row keeps its id)."""

    bucket_id: str
    values: Mapping[str, object]


def bucket_for(hasher: ClientHasher, *, survey_id: str, period_id: str, client: str,
               now: datetime, window_minutes: int) -> Counted:
    window = bursts.window_start(now, window_minutes)
    client_hash = hasher(client, window)
    bucket_id = str(uuid.uuid5(NAMESPACE, f"{survey_id}|{window.isoformat()}|{client_hash}"))
    return Counted(bucket_id, {"id": bucket_id, "survey_id": survey_id, "period_id": period_id,
                               "window_start": window, "client_hash": client_hash})


async def count(uow: UnitOfWork, counted: Counted, *, key: Mapping[str, object],
                scores: Mapping[str, int], threshold: int, now: datetime) -> bool:
    """Count one recorded answer (its row already written with ``counted.bucket_id``); flag
    the bucket when it crosses the threshold, folding its earlier answers into its burst
    tally; fold every later one too. True when the answer joined a burst the owner has
    excluded (its response event says so: results leave it out)."""
    n, excluded = await repository.count_in_bucket(uow.conn, counted.values)
    if not bursts.is_burst(n, threshold):
        return False
    if bursts.crossed(n, threshold):
        await repository.flag_bucket(uow.conn, counted.bucket_id, now)
        log.info("survey.burst_flagged", survey_id=key["survey_id"], bucket_id=counted.bucket_id)
        for row in await repository.bucket_responses(uow.conn, counted.bucket_id):
            await repository.add_to_burst_tally(uow.conn, counted.bucket_id, {
                "survey_id": row.survey_id, "survey_version": row.survey_version,
                "period_id": row.period_id, "service_key": row.service_id or "",
                **{c: row._mapping[c] or "" for c in ("age_band", "sex", "education",
                                                       "occupation")}}, row.answers)
        return False  # flagged just now: not excluded yet
    await repository.add_to_burst_tally(uow.conn, counted.bucket_id, key, scores)
    return excluded


@dataclass(frozen=True, slots=True)
class BurstView:
    id: str
    period: str
    window_start: datetime
    window_end: datetime
    responses: int
    flagged_at: datetime
    excluded_at: datetime | None
    excluded_by: str | None
    ikm: float | None  # of the burst's own answers
    grade: str | None


def _view(row: AnyRow, tally: SkmTally | None, minutes: int) -> BurstView:
    ikm = grade = None
    if tally is not None:
        try:
            result = compute_ikm(tally)
            ikm, grade = float(result.ikm_rounded), result.grade.value
        except IncompleteTally:
            pass
    return BurstView(id=row.id, period=row.period, window_start=row.window_start,
                     window_end=row.window_start + timedelta(minutes=minutes),
                     responses=row.responses, flagged_at=row.flagged_at,
                     excluded_at=row.excluded_at, excluded_by=row.excluded_by, ikm=ikm,
                     grade=grade)


class BurstUseCases(ServiceBase):
    async def list_bursts(self, *, principal: Principal, survey_id: str,
                          period: str) -> list[BurstView]:
        """The flagged bursts of the periods that make up ``period`` (owners only)."""
        async with self._reading() as unit:
            survey = await load_survey(unit, survey_id)
            authorize(principal, survey.agency_id)
            periods = await survey_periods_for(unit, survey_id, period)
            rows = await repository.bursts_of(unit.conn, survey_id, [p.id for p in periods])
            tallies = await repository.burst_tallies_of(unit.conn, [r.id for r in rows])
        minutes = self.settings.burst_window_minutes
        return [_view(r, tallies.get(r.id), minutes) for r in rows]

    async def set_burst_excluded(self, *, principal: Principal, survey_id: str,
                                 burst_id: str, excluded: bool) -> BurstView:
        """Leave a flagged burst out of the results (or count it again); 409 once its period
        is closed (a published IKM does not move)."""
        async with self._writing() as uow:
            survey = await load_survey(uow, survey_id, lock=True)
            authorize(principal, survey.agency_id)
            row = await repository.get_burst(uow.conn, survey_id, burst_id)
            if row is None:
                raise errors.not_found("burst_id", f"No burst {burst_id} in this survey.",
                                       "burst_not_found", {"burst_id": burst_id})
            if row.period_closed_at is not None:
                raise errors.conflict("burst_id", f"period {row.period} is closed",
                                      "period_closed", {"period": row.period})
            now = self.clock()
            if await repository.set_excluded(uow.conn, burst_id, now if excluded else None,
                                             principal.subject if excluded else None):
                answers = await repository.burst_answers(uow.conn, burst_id)
                uow.publish(burst_event(survey, row, answers, excluded=excluded, now=now,
                                        timezone=self.settings.timezone))
            row = await repository.get_burst(uow.conn, survey_id, burst_id)
            assert row is not None
            tally = (await repository.burst_tallies_of(uow.conn, [burst_id])).get(burst_id)
        return _view(row, tally, self.settings.burst_window_minutes)


def burst_event(survey: AnyRow, burst: AnyRow, answers: Sequence[AnyRow], *, excluded: bool,
                now: datetime, timezone: str) -> SurveyBurstEvent:
    """``survey.burst_excluded`` or ``survey.burst_included``: the burst's every answer,
    per survey period and local day of submission (the day its response event is dated)."""
    tallies = [BurstTally(period=t.period, day=t.day, respondents=t.respondents,
                          counts=t.counts)
               for t in bursts.day_tallies((a.period, local_date(a.submitted_at, timezone),
                                            a.answers) for a in answers)]
    kind: type[SurveyBurstEvent] = SurveyBurstExcluded if excluded else SurveyBurstIncluded
    return kind(burst_id=burst.id, survey_id=survey.id, agency_id=survey.agency_id,
                 unit_id=survey.unit_id, period=burst.period, window_start=burst.window_start,
                 respondents=sum(t.respondents for t in tallies), tallies=tallies,
                 occurred_at=now)


async def purge(runtime: ServiceRuntime, *, settings: SurveysSettings, now: datetime) -> int:
    """Forget the answer windows older than ``SUARA_SURVEYS_BURST_RETENTION_HOURS`` (the
    quiet ones go, bursts keep their counts but no client hash), in one unit of work; what
    ``tasks.burst_purge`` runs. The number of windows deleted."""
    before = now - timedelta(hours=settings.burst_retention_hours)
    async with runtime.unit_of_work() as uow:
        return await repository.purge_buckets(uow.conn, before=before)
