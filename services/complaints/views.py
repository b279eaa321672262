"""Shaping stored complaints for each audience. The privacy rules live here: a confidential
reporter is shown to nobody but the reporter; internal notes never reach the citizen."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Row

from services.complaints import domain
from services.complaints.repository import Timeline, _aware
from services.complaints.schemas import (
    AttachmentRead,
    AuditRead,
    CitizenView,
    ComplaintRead,
    Location,
    MessageRead,
    ReporterRead,
)
from shared.events.complaints import PrivacyMode


def deadlines(row: Row) -> dict[str, datetime]:
    return {"verify_by": _aware(row.verify_by), "forward_by": _aware(row.forward_by),
            "first_response_by": _aware(row.first_response_by),
            "resolve_by": _aware(row.resolve_by)}


def overdue(row: Row, now: datetime) -> list[str]:
    if row.status in ("rejected", "resolved", "closed"):
        return []
    late = []
    if row.status == "submitted" and _aware(row.verify_by) < now:
        late.append("verify_by")
    if row.first_responded_at is None and _aware(row.first_response_by) < now:
        late.append("first_response_by")
    if _aware(row.resolve_by) < now:
        late.append("resolve_by")
    return late


def _location(row: Row) -> Location | None:
    if row.lat is None and row.address is None and row.region_code is None:
        return None
    return Location(lat=row.lat, long=row.long, address=row.address,
                    region_code=row.region_code)


def _reporter(row: Row) -> ReporterRead | None:
    if not (row.reporter_name or row.reporter_email or row.reporter_phone):
        return None
    return ReporterRead(name=row.reporter_name, email=row.reporter_email,
                        phone=row.reporter_phone)


def _audit(rows, *, public_only: bool) -> list[AuditRead]:
    return [AuditRead(at=_aware(a.at), action=a.action, actor_role=a.actor_role,
                      from_status=a.from_status, to_status=a.to_status,
                      note=None if public_only else a.note)
            for a in rows if not (public_only and a.action == "note")]


def _messages(rows, *, public_only: bool) -> list[MessageRead]:
    return [MessageRead(at=_aware(m.at), author_role=m.author_role, visibility=m.visibility,
                        body=m.body)
            for m in rows if not (public_only and m.visibility != "public")]


def staff_view(row: Row, t: Timeline, now: datetime) -> ComplaintRead:
    rating = t.ratings[-1].score if t.ratings else None
    return ComplaintRead(
        id=row.id, tracking_code=row.tracking_code, title=row.title,
        description=row.description, category_code=row.category_code,
        agency_id=row.agency_id, agency_chain=list(row.agency_chain), status=row.status,
        privacy=row.privacy, private=row.private, channel=row.channel, locale=row.locale,
        location=_location(row), attributes=dict(row.attributes),
        reporter=_reporter(row) if row.privacy == PrivacyMode.PUBLIC else None,
        complexity=row.complexity, filed_at=_aware(row.filed_at), deadlines=deadlines(row),
        overdue=overdue(row, now), escalated=list(row.escalated),
        first_responded_at=_aware(row.first_responded_at),
        resolved_at=_aware(row.resolved_at), rating=rating,
        attachments=[AttachmentRead(id=a.id, url=a.url, media_type=a.media_type,
                                    size_bytes=a.size_bytes) for a in t.attachments],
        messages=_messages(t.messages, public_only=False),
        audit=_audit(t.audit, public_only=False),
    )


def citizen_view(row: Row, t: Timeline, now: datetime) -> CitizenView:
    status = domain.Status(row.status)
    can = sorted(str(a) for a in domain.allowed_actions(status, domain.Role.CITIZEN))
    reopen_until = _aware(row.reopen_until)
    if "reopen" in can and (reopen_until is None or now > reopen_until):
        can.remove("reopen")
    if "rate" in can and t.ratings and t.ratings[-1].resolution == row.resolutions:
        can.remove("rate")
    return CitizenView(
        tracking_code=row.tracking_code, title=row.title, description=row.description,
        category_code=row.category_code, status=status, filed_at=_aware(row.filed_at),
        reporter=_reporter(row), timeline=_audit(t.audit, public_only=True),
        replies=_messages(t.messages, public_only=True), can=can, reopen_until=reopen_until,
        rating=t.ratings[-1].score if t.ratings else None,
    )
