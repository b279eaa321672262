"""Recording a response: validate, store once, fold into the tally, publish — one transaction.

Checks come first and write nothing: the answers (every element U1..U9 once, 1..4, or the
custom version's items), the period (given or found from the submission date, open,
containing that date), the service. Then the response row is inserted under its
client-generated id (``ON CONFLICT DO NOTHING``); when the id exists, a retry of the same
response (same fingerprint) changes nothing and answers ``replayed``, while the same id with
other content is a 409. A retry that would fail the checks now (its period closed since, the
month turned, a new questionnaire version) is still a replay: a failed check looks the id up
before answering. Only a new row updates the tally and writes ``survey.response_recorded``
to the outbox, in the same transaction.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from services.surveys import errors, repository
from services.surveys.domain import custom, rules
from services.surveys.domain.periods import local_date
from services.surveys.domain.profile import StoredProfile, stored_profile
from services.surveys.domain.skm import MAX_SCORE, InvalidSurveyInput, validate_answers
from services.surveys.schemas import InvitationResponseCreate, ResponseCreate
from services.surveys.service import bursts
from services.surveys.service.base import ServiceBase, Unit
from services.surveys.service.clients import ClientHasher
from services.surveys.settings import SurveysSettings
from shared.errors import SuaraError
from shared.events.surveys import SurveyKind, SurveyResponseRecorded
from shared.types import AnyRow
from shared.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class NewResponse:
    """A response as a client sent it (the command of every recording use case)."""

    response_id: str
    answers: Mapping[str, object]  # SKM: element -> score; custom: item -> score/option/text
    profile: StoredProfile = field(default_factory=StoredProfile)
    service_date: date | None = None
    service_id: str | None = None
    period: str | None = None
    submitted_at: datetime | date | None = None  # a date: a paper form's day (12:00 local)
    version: int | None = None

    def fingerprint(self, survey_id: str) -> str:
        """A digest of what the client sent (not of what the server filled in)."""
        doc = {"survey": survey_id, "answers": dict(sorted(self.answers.items())),
               "version": self.version,
               "profile": self.profile.segment_key(), "service_id": self.service_id,
               "period": self.period, "service_date": _iso(self.service_date),
               "submitted_at": _iso(self.submitted_at)}
        return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()


def _iso(value: date | datetime | None) -> str | None:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return value.isoformat() if value is not None else None


def to_new(body: ResponseCreate | InvitationResponseCreate) -> NewResponse:
    """The command of a request body (the profile's categories checked and the age banded);
    ``InvalidSurveyInput`` naming the profile's field."""
    p = body.profile
    profile = stored_profile(age=p.age, sex=p.sex, education=p.education,
                             occupation=p.occupation)
    if isinstance(body, ResponseCreate):
        return NewResponse(
            response_id=str(body.response_id), answers=body.answers, profile=profile,
            service_date=p.service_date, service_id=body.service_id, period=body.period,
            submitted_at=body.submitted_at, version=body.version)
    return NewResponse(response_id=str(body.response_id), answers=body.answers,
                       profile=profile, service_date=p.service_date)


@dataclass(frozen=True, slots=True)
class Recorded:
    response_id: str
    survey_id: str
    period: str
    recorded_at: datetime
    replayed: bool


@dataclass(frozen=True, slots=True)
class _Located:
    """A survey read together with the period a response names or dates (one round trip)."""

    survey: AnyRow
    day: date
    period: repository.PeriodRef | None


@dataclass(frozen=True, slots=True)
class _Checked:
    version: int
    answers: dict[str, Any]
    scores: dict[str, int]  # what the event carries: SKM elements or Likert items
    scale_max: int
    items: tuple[custom.Item, ...] | None  # None for the SKM


async def record(uow: UnitOfWork, *, settings: SurveysSettings, now: datetime,
                 survey: AnyRow, new: NewResponse, channel: rules.Channel,
                 period: AnyRow | None = None, located: _Located | None = None,
                 client: tuple[ClientHasher, str] | None = None) -> Recorded:
    """Record ``new`` for ``survey`` in ``uow``. ``period`` fixes the period (invitations);
    otherwise it comes from ``new.period`` or the submission date (``located`` may have read
    it already). ``client``: an online answer's client address (and the hasher that is the
    only one to see it), counted for bursts if it is an SKM answer. Raises ``SuaraError``
    (nothing written)."""
    fingerprint = new.fingerprint(survey.id)
    try:
        checked = await _check_answers(uow, survey, new)
        submitted, placed, service_id = await _place(uow, settings, survey, new, now, period,
                                                     located)
    except SuaraError:
        # A retry of a response recorded earlier is a replay even if it would not pass now
        # (its period closed, the month turned, a new questionnaire version).
        replay = await _replay(uow, new.response_id, fingerprint)
        if replay is not None:
            return replay
        raise

    counted = None
    if client is not None and checked.items is None:
        counted = bursts.bucket_for(client[0], survey_id=survey.id, period_id=placed.id,
                                    client=client[1], now=now,
                                    window_minutes=settings.burst_window_minutes)
    inserted = await repository.insert_response(uow.conn, {
        "id": new.response_id, "survey_id": survey.id,
        "period_id": placed.id, "service_id": service_id, "channel": channel,
        "survey_version": checked.version,
        "submitted_at": submitted, "recorded_at": now, "answers": checked.answers,
        "service_date": new.service_date, "fingerprint": fingerprint,
        "bucket_id": counted.bucket_id if counted is not None else None,
        **{k: v or None for k, v in new.profile.segment_key().items()},
    })
    if not inserted:  # a retry (or a concurrent one won the race)
        replay = await _replay(uow, new.response_id, fingerprint)
        assert replay is not None
        return replay
    key = {"survey_id": survey.id, "survey_version": checked.version, "period_id": placed.id,
           "service_key": service_id or "", **new.profile.segment_key()}
    in_excluded_burst = False
    if checked.items is None:
        await repository.add_to_tally(uow.conn, key, checked.scores)
        if counted is not None:
            in_excluded_burst = await bursts.count(uow, counted, key=key, scores=checked.scores,
                                                   threshold=settings.burst_threshold, now=now)
    else:
        await repository.add_to_item_tally(
            uow.conn, key, custom.tally_values(checked.items, checked.answers))
    uow.publish(SurveyResponseRecorded(
        response_id=new.response_id, survey_id=survey.id, survey_version=checked.version,
        kind=SurveyKind(survey.kind), agency_id=survey.agency_id, unit_id=survey.unit_id,
        service_id=service_id, period=placed.code, scale_max=checked.scale_max,
        scores=checked.scores, respondent=new.profile.as_event(),
        in_excluded_burst=in_excluded_burst, channel=channel, occurred_at=submitted,
    ))
    return Recorded(new.response_id, survey.id, placed.code, now, replayed=False)


async def _place(uow: UnitOfWork, settings: SurveysSettings, survey: AnyRow, new: NewResponse,
                 now: datetime, period: AnyRow | None, located: _Located | None,
                 ) -> tuple[datetime, AnyRow | repository.PeriodRef, str | None]:
    """When it was submitted, the period it counts for and the service; raises if none fits."""
    submitted, day, date_only = rules.submission(new.submitted_at, now=now,
                                                 timezone=settings.timezone)
    try:
        rules.check_submission(submitted=submitted, now=now, day=day,
                               today=local_date(now, settings.timezone), date_only=date_only,
                               service_date=new.service_date)
        placed: AnyRow | repository.PeriodRef | None = period
        if placed is None:
            if located is not None and located.day == day:
                placed = located.period
            else:
                placed = await _find_period(uow, survey, new.period, day)
            rules.check_placement(code=new.period, day=day,
                                  found=placed.code if placed is not None else None)
            assert placed is not None
    except InvalidSurveyInput as exc:
        raise errors.from_domain(exc) from None
    if placed.closed_at is not None:
        raise errors.conflict("period", f"period {placed.code} is closed", "period_closed",
                              {"period": placed.code})
    if survey.service_id is not None and new.service_id not in (None, survey.service_id):
        raise errors.invalid_field("service_id", f"this survey is for service "
                                   f"{survey.service_id} only", "wrong_service",
                                   params={"service_id": survey.service_id})
    return submitted, placed, new.service_id or survey.service_id


async def _check_answers(uow: UnitOfWork, survey: AnyRow, new: NewResponse) -> _Checked:
    if survey.kind == "skm":
        if new.version not in (None, 1):
            raise errors.invalid_field("version", "the SKM questionnaire has version 1 only",
                                       "skm_version")
        try:
            scores = validate_answers(new.answers)
        except InvalidSurveyInput as exc:
            raise errors.from_domain(exc, prefix="answers.") from None
        return _Checked(1, dict(scores), scores, MAX_SCORE, None)
    version = new.version or survey.version
    stored = await repository.version_items(uow.conn, survey.id, version)
    if stored is None:
        raise errors.invalid_field("version", f"this survey has no version {version}",
                                   "no_such_version", params={"version": version})
    items = tuple(custom.item_from_dict(d) for d in stored)
    try:
        answers = custom.validate_custom(items, new.answers)
    except InvalidSurveyInput as exc:
        raise errors.from_domain(exc, prefix="answers.") from None
    return _Checked(version, answers, custom.likert_scores(items, answers),
                    custom.scale_max(items), items)


def check_channel(survey: AnyRow, channel: rules.Channel) -> None:
    try:
        rules.check_channel(purpose=survey.purpose, channel=channel)
    except InvalidSurveyInput as exc:
        raise errors.from_domain(exc) from None


async def replay_of(unit: Unit, new: NewResponse, survey_id: str) -> Recorded | None:
    """The earlier recording of ``new`` if this is a retry (409 if the id holds another)."""
    return await _replay(unit, new.response_id, new.fingerprint(survey_id))


async def _replay(unit: Unit, response_id: str, fingerprint: str) -> Recorded | None:
    existing = await repository.response_fingerprint(unit.conn, response_id)
    if existing is None:
        return None
    if existing.fingerprint != fingerprint:
        raise errors.conflict("response_id", "a different response was already recorded "
                              "with this response_id", "response_id_conflict")
    return Recorded(response_id, existing.survey_id, existing.period, existing.recorded_at,
                    replayed=True)


async def _find_period(uow: UnitOfWork, survey: AnyRow, code: str | None,
                       day: date) -> AnyRow | None:
    if code is None:
        return await repository.period_on(uow.conn, survey.id, day)
    return await repository.get_period(uow.conn, survey.id, code)


class RecordingUseCases(ServiceBase):
    async def record_online(self, *, survey_id: str, response: NewResponse,
                            client: str | None = None) -> Recorded:
        """A response to a survey's public form (404 unknown survey; 422 naming each wrong
        field; 409 closed period or an id that holds another response). ``client``: the
        caller's address, counted for bursts (service.bursts), never stored."""
        now = self.clock()
        _, day, _ = rules.submission(response.submitted_at, now=now,
                                     timezone=self.settings.timezone)
        async with self._writing() as uow:
            survey, period = await repository.survey_and_period(
                uow.conn, survey_id, code=response.period, day=day)
            if survey is None:
                raise errors.not_found("survey_id", f"No survey {survey_id}.",
                                       "survey_not_found", {"survey_id": survey_id})
            check_channel(survey, "online")
            return await record(uow, settings=self.settings, now=now, survey=survey,
                                new=response, channel="online",
                                located=_Located(survey, day, period),
                                client=(self.hasher, client) if client else None)
