"""Post-complaint invitations: one per resolved complaint, answered once through its link.

The link carries a token derived from the invitation id with HMAC-SHA256 under
``SUARA_SURVEYS_INVITATION_SECRET``; only the token's SHA-256 is stored. Ids are derived from
the complaint id, so replaying ``complaint.resolved`` rebuilds the same invitations and links,
and a second resolution of the same complaint (after a reopen) creates no second invitation.
The invitation knows the complaint; the response it leads to does not (no link is stored).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog

from services.surveys import repository
from services.surveys.domain import rules
from services.surveys.domain.periods import local_date, month_of
from services.surveys.service.base import ServiceBase, Unit, load_survey
from services.surveys.service.management import add_period
from services.surveys.service.recording import NewResponse, Recorded, record, replay_of
from services.surveys.settings import SurveysSettings
from shared.errors import NotFound, SuaraError
from shared.events import ComplaintResolved, SurveyInvitationCreated
from shared.types import AnyRow
from shared.uow import UnitOfWork

log = structlog.get_logger(__name__)
NAMESPACE = uuid.UUID("8d7f6c1e-3b7a-5c2e-9f40-5375617261aa")
POST_COMPLAINT_TITLE = "Survei kepuasan penanganan pengaduan / Complaint handling satisfaction"


def invitation_id_for(complaint_id: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"invitation:{complaint_id}"))


def token_for(settings: SurveysSettings, invitation_id: str) -> str:
    if settings.invitation_secret is None:
        raise RuntimeError("SUARA_SURVEYS_INVITATION_SECRET is not set: this process cannot "
                           "create invitation links")
    secret = settings.invitation_secret.get_secret_value().encode()
    digest = hmac.new(secret, invitation_id.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_for(settings: SurveysSettings, token: str) -> str:
    return f"{settings.public_url.rstrip('/')}/v1/invitations/{token}"


@dataclass(frozen=True, slots=True)
class InvitationView:
    """What the holder of a link sees: the survey, the state, the deadline."""

    survey_id: str
    title: str
    status: rules.InvitationStatus
    expires_at: datetime


async def _agency_survey(uow: UnitOfWork, agency_id: str, now: datetime) -> AnyRow:
    """The agency's post-complaint survey, created (SKM, no unit) on first need."""
    survey = await repository.post_complaint_survey(uow.conn, agency_id)
    if survey is None:
        await repository.insert_survey(uow.conn, {
            "id": str(uuid.uuid5(NAMESPACE, f"post-complaint-survey:{agency_id}")),
            "agency_id": agency_id, "unit_id": None, "service_id": None, "kind": "skm",
            "purpose": "post_complaint", "title": POST_COMPLAINT_TITLE, "version": 1,
            "created_at": now})
        survey = await repository.post_complaint_survey(uow.conn, agency_id)
    assert survey is not None
    return survey


async def _load(unit: Unit, token: str) -> AnyRow:
    invitation = await repository.invitation_by_hash(unit.conn, hash_token(token))
    if invitation is None:
        raise NotFound("No such invitation.", code="invitation_not_found",
                       extra={"field": "token"})
    return invitation


def _status(invitation: AnyRow, now: datetime) -> rules.InvitationStatus:
    return rules.invitation_status(used_at=invitation.used_at,
                                   expires_at=invitation.expires_at, now=now)


class InvitationUseCases(ServiceBase):
    async def invite_after_resolution(self, uow: UnitOfWork, *,
                                      resolved: ComplaintResolved) -> None:
        """The invitation of a resolved complaint, in the consumer's unit of work (the inbox
        claim commits with it), and ``survey.invitation_created``. Counts for the period
        containing the resolution day (its month is opened if no period covers it); none if
        that period is closed, or if the complaint was invited before."""
        now = self.clock()
        survey = await _agency_survey(uow, resolved.agency_id, now)
        day = local_date(resolved.occurred_at, self.settings.timezone)
        period = await repository.period_on(uow.conn, survey.id, day)
        if period is None:  # no period covers that day, so none covers its month either
            period = await add_period(uow, survey_id=survey.id, code=month_of(day),
                                      population=None, now=now)
        elif period.closed_at is not None:
            log.info("invitation.skipped_closed_period", survey_id=survey.id,
                     period=period.code)
            return  # its answers could no longer count
        invitation_id = invitation_id_for(resolved.complaint_id)
        token = token_for(self.settings, invitation_id)
        expires_at = (resolved.occurred_at.astimezone(UTC)
                      + timedelta(days=self.settings.invitation_ttl_days))
        created = await repository.insert_invitation(uow.conn, {
            "id": invitation_id, "survey_id": survey.id, "period_id": period.id,
            "complaint_id": resolved.complaint_id, "agency_id": resolved.agency_id,
            "token_hash": hash_token(token), "created_at": now, "expires_at": expires_at})
        if not created:
            return  # this complaint was invited before (resolved again after a reopen)
        uow.publish(SurveyInvitationCreated(
            invitation_id=invitation_id, survey_id=survey.id,
            complaint_id=resolved.complaint_id, agency_id=resolved.agency_id,
            invitation_url=link_for(self.settings, token), expires_at=expires_at,
            occurred_at=now,
        ), event_id=str(uuid.uuid5(NAMESPACE, f"invitation-created:{invitation_id}")))

    async def open_invitation(self, *, token: str) -> InvitationView:
        async with self._reading() as unit:
            invitation = await _load(unit, token)
            survey = await load_survey(unit, invitation.survey_id)
        return InvitationView(survey_id=survey.id, title=survey.title,
                              status=_status(invitation, self.clock()),
                              expires_at=invitation.expires_at)

    async def answer_invitation(self, *, token: str, response: NewResponse) -> Recorded:
        """Record the invitation's one response; a retry of it is a replay, anything else
        410 (used or expired)."""
        async with self._writing() as uow:
            invitation = await _load(uow, token)
            survey = await load_survey(uow, invitation.survey_id)
            replay = await replay_of(uow, response, survey.id)
            if replay is not None:
                return replay
            now = self.clock()
            if not await repository.use_invitation(uow.conn, invitation.id, now):
                state = _status(await _load(uow, token), now)
                raise SuaraError(f"This invitation is {state}.", status_code=410,
                                 code=f"invitation_{state}", extra={"field": "token"})
            period = await repository.period_by_id(uow.conn, invitation.period_id)
            return await record(uow, settings=self.settings, now=now, survey=survey,
                                new=response, channel="invitation", period=period)
