"""Post-complaint invitations: one per resolved complaint, answered once through its link.

The complaints service, which holds the reporter's contact, draws the link's token when a
complaint is first resolved, sends the link in the restricted notification request, and puts
only the token's SHA-256 on ``complaint.resolved`` (``survey_token_sha256``). This service
stores that hash as the invitation's: the token itself never reaches it, its outbox or its
topic (docs/surveys.md, "Invitation links"). An event without the hash (an anonymous report,
no contact, a later resolution) creates no invitation.

The invitation id derives from the complaint id, so a redelivered or replayed
``complaint.resolved`` creates no second invitation. The invitation knows the complaint; the
response it leads to does not (no link is stored).
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import structlog

from services.surveys import repository
from services.surveys.domain import custom, rules
from services.surveys.domain.periods import local_date, month_of
from services.surveys.errors import InvitationGone
from services.surveys.service.base import ServiceBase, Unit, load_survey
from services.surveys.service.management import add_period
from services.surveys.service.recording import NewResponse, Recorded, record, replay_of
from services.surveys.settings import SurveysSettings
from shared.errors import Conflict, NotFound
from shared.events import ComplaintResolved, SurveyInvitationCreated
from shared.types import AnyRow
from shared.uow import UnitOfWork

log = structlog.get_logger(__name__)
NAMESPACE = uuid.UUID("8d7f6c1e-3b7a-5c2e-9f40-5375617261aa")
POST_COMPLAINT_TITLE = "Survei kepuasan penanganan pengaduan / Complaint handling satisfaction"
#: The token of a link: 32 random bytes, URL-safe base64 without padding (docs/surveys.md).
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{43}$")
#: How long a citizen who opened a link too early is asked to wait.
PENDING_RETRY_S = 30


def invitation_id_for(complaint_id: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"invitation:{complaint_id}"))


def hash_token(token: str) -> str:
    """What ``complaint.resolved`` carries of a token: its SHA-256, lowercase hex."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class InvitationView:
    """What the holder of a link sees: the survey, the state, the deadline; or ``pending``
    (every other field None) for a well-formed link this service does not know yet."""

    status: rules.InvitationStatus | Literal["pending"]
    survey_id: str | None = None
    title: str | None = None
    expires_at: datetime | None = None
    kind: Literal["skm", "custom"] | None = None
    items: list[dict[str, Any]] | None = None  # custom: the current version's
    retry_after_s: int | None = None


async def _agency_survey(uow: UnitOfWork, agency_id: str, now: datetime) -> AnyRow:
    """The agency's post-complaint survey: its newest (SKM or custom, chosen by the agency),
    or, on first need, a short custom one (``custom.POST_COMPLAINT_ITEMS``, no unit) that the
    agency may change like any custom survey."""
    survey = await repository.post_complaint_survey(uow.conn, agency_id)
    if survey is None:
        survey_id = str(uuid.uuid5(NAMESPACE, f"post-complaint-survey:{agency_id}"))
        await repository.insert_survey(uow.conn, {
            "id": survey_id, "agency_id": agency_id, "unit_id": None, "service_id": None,
            "kind": "custom", "purpose": "post_complaint", "title": POST_COMPLAINT_TITLE,
            "version": 1, "created_at": now})
        await repository.add_version(uow.conn, survey_id, 1,
                                     [i.as_dict() for i in custom.POST_COMPLAINT_ITEMS], now)
        survey = await repository.post_complaint_survey(uow.conn, agency_id)
    assert survey is not None
    return survey


def _not_found() -> NotFound:
    return NotFound("No such invitation: check the link.", code="invitation_not_found",
                    extra={"field": "token"})


def _pending() -> Conflict:
    return Conflict("This invitation is not active yet: it becomes active a few seconds after "
                    "the complaint is resolved. Try again shortly.", code="invitation_pending",
                    extra={"field": "token", "retry_after_s": PENDING_RETRY_S},
                    headers={"Retry-After": str(PENDING_RETRY_S)})


async def _find(unit: Unit, token: str) -> AnyRow | None:
    """The invitation of ``token``; 404 for what can never be a link's token."""
    if not TOKEN_PATTERN.match(token):
        raise _not_found()
    return await repository.invitation_by_hash(unit.conn, hash_token(token))


async def _load(unit: Unit, token: str) -> AnyRow:
    invitation = await _find(unit, token)
    if invitation is None:
        # the complaints service sends the link as it publishes complaint.resolved: this
        # service may not have consumed that event yet
        raise _pending()
    return invitation


def _status(invitation: AnyRow, now: datetime) -> rules.InvitationStatus:
    return rules.invitation_status(used_at=invitation.used_at,
                                   expires_at=invitation.expires_at, now=now)


async def invite_after_resolution(uow: UnitOfWork, *, settings: SurveysSettings,
                                  now: datetime, resolved: ComplaintResolved) -> None:
    """The invitation of a resolved complaint, in the consumer's unit of work (the inbox
    claim commits with it: the one use case that does not open its own), and
    ``survey.invitation_created``. Counts for the period containing the resolution day (its
    month is opened if no period covers it); none if that period is closed, if the event
    carries no token hash, or if the complaint was invited before."""
    token_hash = resolved.survey_token_sha256
    if token_hash is None:
        log.info("invitation.not_requested", complaint_id=resolved.complaint_id)
        return  # nobody to invite: anonymous, no contact, or not the first resolution
    existing = await repository.invitation_by_hash(uow.conn, token_hash)
    if existing is not None and existing.complaint_id != resolved.complaint_id:
        log.error("invitation.token_reused", complaint_id=resolved.complaint_id,
                  other_complaint_id=existing.complaint_id)
        return  # one link must never answer for two complaints
    survey = await _agency_survey(uow, resolved.agency_id, now)
    day = local_date(resolved.occurred_at, settings.timezone)
    period = await repository.period_on(uow.conn, survey.id, day)
    if period is None:  # no period covers that day, so none covers its month either
        period = await add_period(uow, survey_id=survey.id, code=month_of(day),
                                  population=None, now=now)
    elif period.closed_at is not None:
        log.info("invitation.skipped_closed_period", survey_id=survey.id, period=period.code)
        return  # its answers could no longer count
    invitation_id = invitation_id_for(resolved.complaint_id)
    expires_at = (resolved.occurred_at.astimezone(UTC)
                  + timedelta(days=settings.invitation_ttl_days))
    created = await repository.insert_invitation(uow.conn, {
        "id": invitation_id, "survey_id": survey.id, "period_id": period.id,
        "complaint_id": resolved.complaint_id, "agency_id": resolved.agency_id,
        "token_hash": token_hash, "created_at": now, "expires_at": expires_at})
    if not created:
        return  # this complaint was invited before (resolved again after a reopen)
    uow.publish(SurveyInvitationCreated(
        invitation_id=invitation_id, survey_id=survey.id,
        complaint_id=resolved.complaint_id, agency_id=resolved.agency_id,
        expires_at=expires_at, occurred_at=now,
    ), event_id=str(uuid.uuid5(NAMESPACE, f"invitation-created:{invitation_id}")))


class InvitationUseCases(ServiceBase):
    async def open_invitation(self, *, token: str) -> InvitationView:
        """The invitation of a link; ``pending`` for a well-formed link not known yet (the
        complaint's resolution is on its way), 404 for what can never be a link."""
        async with self._reading() as unit:
            invitation = await _find(unit, token)
            if invitation is None:
                return InvitationView(status="pending", retry_after_s=PENDING_RETRY_S)
            survey = await load_survey(unit, invitation.survey_id)
            items = None
            if survey.kind == "custom":
                items = await repository.version_items(unit.conn, survey.id, survey.version)
        return InvitationView(survey_id=survey.id, title=survey.title,
                              status=_status(invitation, self.clock()),
                              expires_at=invitation.expires_at, kind=survey.kind, items=items)

    async def answer_invitation(self, *, token: str, response: NewResponse) -> Recorded:
        """Record the invitation's one response; a retry of it is a replay, anything else
        410 (used or expired); 409 ``invitation_pending`` for a link not known yet."""
        async with self._writing() as uow:
            invitation = await _load(uow, token)
            survey = await load_survey(uow, invitation.survey_id)
            replay = await replay_of(uow, response, survey.id)
            if replay is not None:
                return replay
            now = self.clock()
            if not await repository.use_invitation(uow.conn, invitation.id, now):
                state = _status(await _load(uow, token), now)
                raise InvitationGone(state)
            period = await repository.period_by_id(uow.conn, invitation.period_id)
            return await record(uow, settings=self.settings, now=now, survey=survey,
                                new=response, channel="invitation", period=period)
