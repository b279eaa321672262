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
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy import Row, insert

from services.surveys import management, recording, repository
from services.surveys.models import surveys
from services.surveys.periods import as_utc, local_date, month_of
from services.surveys.settings import SurveysSettings
from shared.errors import NotFound, SuaraError
from shared.events import CloudEvent, ComplaintResolved, SurveyInvitationCreated
from shared.uow import UnitOfWork

log = structlog.get_logger(__name__)
NAMESPACE = uuid.UUID("8d7f6c1e-3b7a-5c2e-9f40-5375617261aa")


def invitation_id_for(complaint_id: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"invitation:{complaint_id}"))


def token_for(settings: SurveysSettings, invitation_id: str) -> str:
    secret = settings.invitation_secret.get_secret_value().encode()
    digest = hmac.new(secret, invitation_id.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_for(settings: SurveysSettings, token: str) -> str:
    return f"{settings.public_url.rstrip('/')}/v1/invitations/{token}"


async def _agency_survey(uow: UnitOfWork, agency_id: str) -> Row:
    """The agency's post-complaint survey, created (SKM, no unit) on first need."""
    survey = await repository.post_complaint_survey(uow.conn, agency_id)
    if survey is None:
        await uow.conn.execute(insert(surveys).values(
            id=str(uuid.uuid5(NAMESPACE, f"post-complaint-survey:{agency_id}")),
            agency_id=agency_id, unit_id=None, service_id=None, kind="skm",
            purpose="post_complaint", title=management.POST_COMPLAINT_TITLE, version=1,
            created_at=datetime.now(UTC)))
        survey = await repository.post_complaint_survey(uow.conn, agency_id)
    assert survey is not None
    return survey


async def on_complaint_resolved(uow: UnitOfWork, event: CloudEvent,
                                settings: SurveysSettings) -> None:
    data = event.data
    assert isinstance(data, ComplaintResolved)
    survey = await _agency_survey(uow, data.agency_id)
    day = local_date(data.occurred_at, settings.timezone)
    period = await repository.period_on(uow.conn, survey.id, day)
    if period is None:  # no period covers that day, so none covers its month either
        period = await management.add_period(uow, survey=survey, code=month_of(day),
                                             population=None)
    elif period.closed_at is not None:
        log.info("invitation.skipped_closed_period", survey_id=survey.id, period=period.code)
        return  # its answers could no longer count
    invitation_id = invitation_id_for(data.complaint_id)
    token = token_for(settings, invitation_id)
    now = datetime.now(UTC)
    expires_at = as_utc(data.occurred_at) + timedelta(days=settings.invitation_ttl_days)
    created = await repository.insert_invitation(uow.conn, {
        "id": invitation_id, "survey_id": survey.id, "period_id": period.id,
        "complaint_id": data.complaint_id, "agency_id": data.agency_id,
        "token_hash": hash_token(token), "created_at": now, "expires_at": expires_at})
    if not created:
        return  # this complaint was invited before (resolved again after a reopen)
    uow.publish(SurveyInvitationCreated(
        invitation_id=invitation_id, survey_id=survey.id, complaint_id=data.complaint_id,
        agency_id=data.agency_id, invitation_url=link_for(settings, token),
        expires_at=expires_at, occurred_at=now,
    ), event_id=str(uuid.uuid5(NAMESPACE, f"invitation-created:{invitation_id}")))


async def load(uow: UnitOfWork | repository.ReadOnly, token: str) -> Row:
    invitation = await repository.invitation_by_hash(uow.conn, hash_token(token))
    if invitation is None:
        raise NotFound("No such invitation.", code="invitation_not_found",
                       extra={"field": "token"})
    return invitation


def status(invitation: Row, now: datetime) -> str:
    if invitation.used_at is not None:
        return "used"
    return "expired" if as_utc(invitation.expires_at) <= now else "open"


async def answer(uow: UnitOfWork, *, settings: SurveysSettings, token: str,
                 new: recording.NewResponse) -> recording.Recorded:
    """Record the invitation's one response; a retry of it is a replay, anything else 410."""
    invitation = await load(uow, token)
    survey = await management.load_survey(uow, invitation.survey_id)
    replay = await recording.replay_of(uow, new, survey.id)
    if replay is not None:
        return replay
    now = datetime.now(UTC)
    if not await repository.use_invitation(uow.conn, invitation.id, now):
        fresh = await load(uow, token)
        state = status(fresh, now)
        raise SuaraError(f"This invitation is {state}.", status_code=410,
                         code=f"invitation_{state}", extra={"field": "token"})
    period = await repository.period_by_id(uow.conn, invitation.period_id)
    return await recording.record(uow, settings=settings, survey=survey, new=new,
                                  channel="invitation", period=period)
