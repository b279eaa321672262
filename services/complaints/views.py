"""Shaping the use cases' results for each audience (the REST API's models). The privacy rules
live here: a confidential reporter is shown to nobody but the reporter; internal notes never
reach the citizen."""

from __future__ import annotations

from collections.abc import Iterable

from services.complaints import domain
from services.complaints.records import (
    AgencyRecord,
    ApiKeyRecord,
    AuditRecord,
    CategoryRecord,
    ComplaintRecord,
    ComplaintSummaryRecord,
    MessageRecord,
)
from services.complaints.schemas import (
    AgencyAdminRead,
    AgencyRead,
    ApiKeyCreated,
    ApiKeyRead,
    AttachmentRead,
    AttributeDef,
    AuditRead,
    CategoryRead,
    CitizenView,
    ComplaintCreated,
    ComplaintRead,
    ComplaintSummary,
    Location,
    MessageRead,
    RejectionRead,
    ReporterRead,
)
from services.complaints.service import ComplaintDetails, FilingReceipt, IssuedApiKey
from services.complaints.sla import Complexity
from shared.events.complaints import IntakeChannel, PrivacyMode

_DEADLINES = ("verify_by", "forward_by", "first_response_by", "resolve_by")


def created(r: FilingReceipt) -> ComplaintCreated:
    return ComplaintCreated(id=r.complaint_id, tracking_code=r.tracking_code, token=r.token,
                            status=r.status, filed_at=r.filed_at,
                            deadlines={k: getattr(r.deadlines, k) for k in _DEADLINES})


def _location(c: ComplaintRecord) -> Location | None:
    if c.lat is None and c.address is None and c.region_code is None:
        return None
    return Location(lat=c.lat, long=c.long, address=c.address, region_code=c.region_code)


def _reporter(c: ComplaintRecord) -> ReporterRead | None:
    if not (c.reporter_name or c.reporter_email or c.reporter_phone):
        return None
    return ReporterRead(name=c.reporter_name, email=c.reporter_email, phone=c.reporter_phone)


def _audit(entries: Iterable[AuditRecord], *, public_only: bool) -> list[AuditRead]:
    return [AuditRead(at=a.at, action=a.action, actor_role=a.actor_role,
                      actor_id=None if public_only else a.actor_id,
                      from_status=a.from_status, to_status=a.to_status,
                      note=None if public_only else a.note)
            for a in entries if not (public_only and a.action == domain.Action.NOTE)]


def _messages(entries: Iterable[MessageRecord], *, public_only: bool) -> list[MessageRead]:
    return [MessageRead(at=m.at, author_role=m.author_role,
                        visibility="public" if m.visibility == "public" else "internal",
                        body=m.body)
            for m in entries if not (public_only and m.visibility != domain.Visibility.PUBLIC)]


def staff_view(d: ComplaintDetails) -> ComplaintRead:
    c, t = d.record, d.timeline
    rating = t.latest_rating
    return ComplaintRead(
        id=c.id, tracking_code=c.tracking_code, title=c.title, description=c.description,
        category_code=c.category_code, agency_id=c.agency_id,
        agency_chain=list(c.agency_chain), status=domain.Status(c.status),
        privacy=PrivacyMode(c.privacy), private=c.private, channel=IntakeChannel(c.channel),
        locale=c.locale, location=_location(c), attributes=dict(c.attributes),
        reporter=_reporter(c) if c.privacy == PrivacyMode.PUBLIC else None,
        complexity=Complexity(c.complexity), filed_at=c.filed_at,
        deadlines={k: getattr(c, k) for k in _DEADLINES},
        overdue=domain.late_deadlines(domain.Status(c.status), c.deadlines,
                                      first_responded_at=c.first_responded_at, now=d.as_of),
        escalated=list(c.escalated), first_responded_at=c.first_responded_at,
        resolved_at=c.resolved_at, rating=rating.score if rating else None,
        attachments=[AttachmentRead(id=a.id, url=a.url, media_type=a.media_type,
                                    size_bytes=a.size_bytes) for a in t.attachments],
        messages=_messages(t.messages, public_only=False),
        audit=_audit(t.audit, public_only=False),
    )


def citizen_view(d: ComplaintDetails) -> CitizenView:
    c, t = d.record, d.timeline
    status = domain.Status(c.status)
    rating = t.latest_rating
    return CitizenView(
        tracking_code=c.tracking_code, title=c.title, description=c.description,
        category_code=c.category_code, status=status, filed_at=c.filed_at,
        reporter=_reporter(c), timeline=_audit(t.audit, public_only=True),
        replies=_messages(t.messages, public_only=True),
        rejection=RejectionRead(reason=domain.RejectionReason(c.rejection),
                                duplicate_of=c.duplicate_of) if c.rejection else None,
        can=domain.citizen_actions(status, d.as_of, reopen_until=c.reopen_until,
                                   rated_resolution=rating.resolution if rating else None,
                                   resolutions=c.resolutions),
        reopen_until=c.reopen_until, rating=rating.score if rating else None,
    )


def summary(c: ComplaintSummaryRecord) -> ComplaintSummary:
    return ComplaintSummary(id=c.id, tracking_code=c.tracking_code, title=c.title,
                            category_code=c.category_code, agency_id=c.agency_id,
                            status=domain.Status(c.status), privacy=PrivacyMode(c.privacy),
                            filed_at=c.filed_at, resolve_by=c.resolve_by, overdue=c.overdue)


# -- the catalogue ---------------------------------------------------------------------------

def agency_read(a: AgencyRecord) -> AgencyRead:
    return AgencyRead(id=a.id, name_id=a.name_id, name_en=a.name_en, kind=a.kind,
                      parent_id=a.parent_id)


def agency_admin_read(a: AgencyRecord) -> AgencyAdminRead:
    return AgencyAdminRead(id=a.id, name_id=a.name_id, name_en=a.name_en, kind=a.kind,
                           parent_id=a.parent_id, notification_email=a.notification_email)


def category_read(c: CategoryRecord) -> CategoryRead:
    return CategoryRead(code=c.code, agency_id=c.agency_id, name_id=c.name_id,
                        name_en=c.name_en, description_id=c.description_id,
                        description_en=c.description_en, complexity=Complexity(c.complexity),
                        keywords=list(c.keywords),
                        attributes=[AttributeDef.model_validate(a) for a in c.attributes],
                        integrity=c.integrity, active=c.active)


def api_key_read(k: ApiKeyRecord) -> ApiKeyRead:
    return ApiKeyRead(id=k.id, name=k.name, created_at=k.created_at, revoked_at=k.revoked_at)


def api_key_created(issued: IssuedApiKey) -> ApiKeyCreated:
    k = issued.key
    return ApiKeyCreated(id=k.id, name=k.name, api_key=issued.secret, created_at=k.created_at)
