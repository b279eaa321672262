"""Every query of the complaints service (SQLAlchemy Core), and the row <-> domain mapping."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from services.complaints import domain
from services.complaints.models import (
    agencies,
    attachments,
    audit,
    categories,
    complaints,
    idempotency_keys,
    messages,
    ratings,
)
from services.complaints.sla import Complexity, Deadlines, Milestone, SlaPolicy
from shared.errors import SuaraError
from shared.uow import UnitOfWork

CLOSED_STATES = ("rejected", "resolved", "closed")


# -- catalogue -------------------------------------------------------------------------------

async def get_agency(conn: AsyncConnection, agency_id: str) -> Row | None:
    return (await conn.execute(select(agencies).where(agencies.c.id == agency_id))).first()


async def list_agencies(conn: AsyncConnection) -> Sequence[Row]:
    return (await conn.execute(select(agencies).order_by(agencies.c.id))).all()


async def insert_agency(conn: AsyncConnection, values: dict) -> None:
    await conn.execute(insert(agencies).values(**values, created_at=datetime.now(UTC)))


async def get_category(conn: AsyncConnection, code: str) -> Row | None:
    return (await conn.execute(select(categories).where(categories.c.code == code))).first()


async def list_categories(conn: AsyncConnection, *, active_only: bool = True) -> Sequence[Row]:
    stmt = select(categories).order_by(categories.c.code)
    if active_only:
        stmt = stmt.where(categories.c.active.is_(True))
    return (await conn.execute(stmt)).all()


async def insert_category(conn: AsyncConnection, values: dict) -> None:
    await conn.execute(insert(categories).values(**values, active=True,
                                                 created_at=datetime.now(UTC)))


# -- complaints ------------------------------------------------------------------------------

def insert_complaint(uow: UnitOfWork, values: dict) -> None:
    uow.insert(complaints, [values])


async def get_complaint(conn: AsyncConnection, complaint_id: str, *,
                        lock: bool = False) -> Row | None:
    stmt = select(complaints).where(complaints.c.id == complaint_id)
    if lock and conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return (await conn.execute(stmt)).first()


async def get_by_tracking_code(conn: AsyncConnection, code: str, *,
                               lock: bool = False) -> Row | None:
    stmt = select(complaints).where(complaints.c.tracking_code == code)
    if lock and conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return (await conn.execute(stmt)).first()


async def save_state(conn: AsyncConnection, complaint: domain.Complaint, now: datetime) -> None:
    await conn.execute(update(complaints).where(complaints.c.id == complaint.id)
                       .values(**state_columns(complaint), updated_at=now))


def append_timeline(uow: UnitOfWork, complaint: domain.Complaint,
                    new_messages: Iterable[domain.Message],
                    new_audit: Iterable[domain.AuditEntry]) -> None:
    """Queue the new timeline entries (written with the unit of work's other rows)."""
    uow.insert(messages, [
        {"complaint_id": complaint.id, "at": m.at, "author_role": str(m.author.role),
         "author_id": m.author.id, "visibility": str(m.visibility), "body": m.body}
        for m in new_messages])
    uow.insert(audit, [
        {"complaint_id": complaint.id, "at": a.at, "action": str(a.action),
         "actor_role": str(a.actor.role), "actor_id": a.actor.id,
         "from_status": a.from_status and str(a.from_status), "to_status": str(a.to_status),
         "note": a.note} for a in new_audit])


async def insert_rating(conn: AsyncConnection, complaint_id: str, rating: domain.Rating) -> None:
    await conn.execute(insert(ratings).values(complaint_id=complaint_id,
                                              resolution=rating.resolution, score=rating.score,
                                              comment=rating.comment, at=rating.at))


def insert_attachments(uow: UnitOfWork, rows: list[dict]) -> None:
    uow.insert(attachments, rows)


@dataclass(frozen=True)
class Timeline:
    messages: Sequence[Row]
    audit: Sequence[Row]
    attachments: Sequence[Row]
    ratings: Sequence[Row]


async def timeline(conn: AsyncConnection, complaint_id: str) -> Timeline:
    def q(table, order):
        return select(table).where(table.c.complaint_id == complaint_id).order_by(order)

    return Timeline(
        messages=(await conn.execute(q(messages, messages.c.id))).all(),
        audit=(await conn.execute(q(audit, audit.c.id))).all(),
        attachments=(await conn.execute(q(attachments, attachments.c.created_at))).all(),
        ratings=(await conn.execute(q(ratings, ratings.c.resolution))).all(),
    )


async def latest_rating(conn: AsyncConnection, complaint_id: str) -> domain.Rating | None:
    row = (await conn.execute(select(ratings).where(ratings.c.complaint_id == complaint_id)
                              .order_by(ratings.c.resolution.desc()).limit(1))).first()
    return domain.Rating(row.score, row.comment, row.at, row.resolution) if row else None


# -- listing ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class ListFilters:
    status: Sequence[str] = ()
    category_code: str | None = None
    agency_id: str | None = None
    filed_from: datetime | None = None
    filed_to: datetime | None = None
    overdue: bool | None = None


def overdue_clause(now: datetime):
    """A pending deadline has passed (and the complaint is still being handled)."""
    return and_(complaints.c.status.notin_(CLOSED_STATES), or_(
        complaints.c.resolve_by < now,
        and_(complaints.c.status == "submitted", complaints.c.verify_by < now),
        and_(complaints.c.first_responded_at.is_(None), complaints.c.first_response_by < now),
    ))


async def list_complaints(conn: AsyncConnection, *, visible: frozenset[str] | None,
                          filters: ListFilters, cursor: str | None, limit: int,
                          now: datetime) -> tuple[Sequence[Row], str | None]:
    stmt = select(complaints.c.id, complaints.c.tracking_code, complaints.c.title,
                  complaints.c.category_code, complaints.c.agency_id, complaints.c.status,
                  complaints.c.privacy, complaints.c.filed_at, complaints.c.resolve_by,
                  overdue_clause(now).label("overdue"))
    if visible is not None:
        stmt = stmt.where(complaints.c.agency_id.in_(sorted(visible)))
    f = filters
    if f.status:
        stmt = stmt.where(complaints.c.status.in_(list(f.status)))
    if f.category_code:
        stmt = stmt.where(complaints.c.category_code == f.category_code)
    if f.agency_id:
        stmt = stmt.where(complaints.c.agency_id == f.agency_id)
    if f.filed_from:
        stmt = stmt.where(complaints.c.filed_at >= f.filed_from)
    if f.filed_to:
        stmt = stmt.where(complaints.c.filed_at < f.filed_to)
    if f.overdue is not None:
        clause = overdue_clause(now)
        stmt = stmt.where(clause if f.overdue else ~clause)
    if cursor:
        filed_at, last_id = decode_cursor(cursor)
        stmt = stmt.where(or_(complaints.c.filed_at < filed_at,
                              and_(complaints.c.filed_at == filed_at,
                                   complaints.c.id < last_id)))
    stmt = stmt.order_by(complaints.c.filed_at.desc(), complaints.c.id.desc()).limit(limit + 1)
    rows = (await conn.execute(stmt)).all()
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(rows[-1].filed_at, rows[-1].id)
    return rows, next_cursor


def encode_cursor(filed_at: datetime, complaint_id: str) -> str:
    raw = json.dumps([_aware(filed_at).isoformat(), complaint_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        filed_at, complaint_id = json.loads(raw)
        return datetime.fromisoformat(filed_at), str(complaint_id)
    except (ValueError, TypeError) as exc:
        raise SuaraError("The cursor is not one this API issued.", status_code=400,
                         code="invalid_cursor", extra={"field": "cursor"}) from exc


# -- idempotency -----------------------------------------------------------------------------

async def find_idempotent(conn: AsyncConnection, scope: str, key: str) -> Row | None:
    stmt = select(idempotency_keys).where(idempotency_keys.c.scope == scope,
                                          idempotency_keys.c.key == key)
    return (await conn.execute(stmt)).first()


async def purge_idempotent(conn: AsyncConnection, *, before: datetime) -> int:
    result = await conn.execute(delete(idempotency_keys)
                                .where(idempotency_keys.c.created_at < before))
    return result.rowcount


def save_idempotent(uow: UnitOfWork, *, scope: str, key: str, request_hash: str,
                    status_code: int, response: dict, now: datetime) -> None:
    uow.insert(idempotency_keys, [{"scope": scope, "key": key, "request_hash": request_hash,
                                   "status_code": status_code, "response": response,
                                   "created_at": now}])


# -- row <-> domain --------------------------------------------------------------------------

def _aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes (stored in UTC); PostgreSQL aware ones."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def to_domain(row: Row, policy: SlaPolicy, rating: domain.Rating | None) -> domain.Complaint:
    deadlines = Deadlines(verify_by=_aware(row.verify_by), forward_by=_aware(row.forward_by),
                          first_response_by=_aware(row.first_response_by),
                          resolve_by=_aware(row.resolve_by))
    return domain.Complaint(
        id=row.id, tracking_code=row.tracking_code, filed_at=_aware(row.filed_at),
        complexity=Complexity(row.complexity), deadlines=deadlines,
        status=domain.Status(row.status), agencies=tuple(row.agency_chain),
        rejection=row.rejection and domain.RejectionReason(row.rejection),
        duplicate_of=row.duplicate_of, first_responded_at=_aware(row.first_responded_at),
        auto_close_at=_aware(row.auto_close_at), resolved_at=_aware(row.resolved_at),
        reopen_until=_aware(row.reopen_until), resolutions=row.resolutions,
        ratings=(rating,) if rating else (), escalated=frozenset(
            Milestone(m) for m in row.escalated), policy=policy,
    )


def state_columns(c: domain.Complaint) -> dict:
    """The columns an action may change; ``agency_id`` follows the last forward."""
    forwarded = {"agency_id": c.agencies[-1]} if c.agencies else {}
    return forwarded | {
        "status": str(c.status), "agency_chain": list(c.agencies),
        "complexity": str(c.complexity), "verify_by": c.deadlines.verify_by,
        "forward_by": c.deadlines.forward_by,
        "first_response_by": c.deadlines.first_response_by,
        "resolve_by": c.deadlines.resolve_by, "first_responded_at": c.first_responded_at,
        "auto_close_at": c.auto_close_at, "resolved_at": c.resolved_at,
        "reopen_until": c.reopen_until, "resolutions": c.resolutions,
        "rejection": c.rejection and str(c.rejection), "duplicate_of": c.duplicate_of,
        "escalated": sorted(str(m) for m in c.escalated),
    }


# -- open311 ---------------------------------------------------------------------------------

async def active_api_key(conn: AsyncConnection, key_hash: str) -> Row | None:
    """The unrevoked Open311 API key with this hash."""
    from services.complaints.models import api_keys

    stmt = select(api_keys).where(api_keys.c.key_hash == key_hash,
                                  api_keys.c.revoked_at.is_(None))
    return (await conn.execute(stmt)).first()


async def catalogue_changed_at(conn: AsyncConnection) -> datetime | None:
    """When the service catalogue last changed (Open311 discovery's changeset)."""
    return _aware((await conn.execute(select(func.max(categories.c.created_at)))).scalar())


@dataclass(frozen=True)
class Open311Filters:
    """GET requests: ids override every other filter; private complaints never match."""

    ids: Sequence[str] = ()
    service_codes: Sequence[str] = ()
    closed: bool | None = None
    start: datetime | None = None
    end: datetime | None = None


async def open311_requests(conn: AsyncConnection, f: Open311Filters, *,
                           limit: int) -> Sequence[Row]:
    """Public complaints with their service and agency names, newest first."""
    stmt = (select(complaints, categories.c.name_id.label("service_name_id"),
                   categories.c.name_en.label("service_name_en"),
                   agencies.c.name_id.label("agency_name_id"),
                   agencies.c.name_en.label("agency_name_en"))
            .join(categories, categories.c.code == complaints.c.category_code)
            .outerjoin(agencies, agencies.c.id == complaints.c.agency_id)
            .where(complaints.c.private.is_(False)))
    if f.ids:
        stmt = stmt.where(complaints.c.id.in_(list(f.ids)))
    else:
        if f.service_codes:
            stmt = stmt.where(complaints.c.category_code.in_(list(f.service_codes)))
        if f.closed is not None:
            closed = complaints.c.status.in_(CLOSED_STATES)
            stmt = stmt.where(closed if f.closed else ~closed)
        if f.start is not None:
            stmt = stmt.where(complaints.c.filed_at >= f.start)
        if f.end is not None:
            stmt = stmt.where(complaints.c.filed_at <= f.end)
    stmt = stmt.order_by(complaints.c.filed_at.desc(), complaints.c.id.desc()).limit(limit)
    return (await conn.execute(stmt)).all()


async def latest_staff_replies(conn: AsyncConnection, ids: Sequence[str]) -> dict[str, str]:
    """The last public reply an officer wrote on each complaint (citizens' own are left out:
    a reporter may name themselves in them)."""
    if not ids:
        return {}
    stmt = (select(messages.c.complaint_id, messages.c.body)
            .where(messages.c.complaint_id.in_(list(ids)), messages.c.visibility == "public",
                   messages.c.author_role != str(domain.Role.CITIZEN))
            .order_by(messages.c.id))
    return {cid: body for cid, body in (await conn.execute(stmt)).all()}


async def filed_media(conn: AsyncConnection, ids: Sequence[str]) -> dict[str, str]:
    """The first attachment sent with each complaint when it was filed (staff's later files,
    which may be internal, are left out)."""
    if not ids:
        return {}
    stmt = (select(attachments.c.complaint_id, attachments.c.url)
            .join(complaints, complaints.c.id == attachments.c.complaint_id)
            .where(attachments.c.complaint_id.in_(list(ids)),
                   attachments.c.created_at == complaints.c.filed_at)
            .order_by(attachments.c.created_at.desc(), attachments.c.id.desc()))
    return {cid: url for cid, url in (await conn.execute(stmt)).all()}
