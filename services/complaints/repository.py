"""Every query and write statement of the complaints service (SQLAlchemy Core), and the
record <-> domain mapping. Nothing here commits (the unit of work does) or knows HTTP: a bad
cursor is an ``InvalidCursor`` (a ``ValueError``), for the service to refuse."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import sqlalchemy.dialects.postgresql  # noqa: F401  (registers websearch_to_tsquery's types)
from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    and_,
    delete,
    false,
    func,
    insert,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from services.complaints import disclosure, domain
from services.complaints.models import (
    SEARCH_DOCUMENT,
    agencies,
    api_keys,
    attachments,
    audit,
    categories,
    complaints,
    idempotency_keys,
    messages,
    push_requests,
    ratings,
    sla_emissions,
)
from services.complaints.records import (
    AgencyRecord,
    ApiKeyRecord,
    AttachmentRecord,
    AuditRecord,
    CategoryRecord,
    ComplaintRecord,
    ComplaintSummaryRecord,
    ListFilters,
    MessageRecord,
    PublicFilters,
    PublicRequest,
    RatingRecord,
    Timeline,
)
from services.complaints.sla import Complexity, Milestone, SlaPolicy
from shared.types import to_utc
from shared.uow import UnitOfWork
from shared.upsert import on_conflict

C = complaints.c
FINISHED = sorted(str(s) for s in domain.FINISHED)


def _in(statuses: frozenset[domain.Status]) -> list[str]:
    return sorted(str(s) for s in statuses)


# -- catalogue -------------------------------------------------------------------------------

_AGENCY_COLUMNS = ("id", "name_id", "name_en", "kind", "parent_id", "notification_email",
                   "revision")
_CATEGORY_COLUMNS = ("code", "agency_id", "name_id", "name_en", "description_id",
                     "description_en", "complexity", "keywords", "attributes", "active",
                     "integrity", "revision", "created_at")


def _agency(row: Any) -> AgencyRecord:
    return AgencyRecord(**{k: getattr(row, k) for k in _AGENCY_COLUMNS},
                        changed_at=row.changed_at or row.created_at)


def _category(row: Any) -> CategoryRecord:
    return CategoryRecord(**{k: getattr(row, k) for k in _CATEGORY_COLUMNS},
                          changed_at=row.changed_at or row.created_at)


async def get_agency(conn: AsyncConnection, agency_id: str) -> AgencyRecord | None:
    row = (await conn.execute(select(agencies).where(agencies.c.id == agency_id))).first()
    return _agency(row) if row else None


async def list_agencies(conn: AsyncConnection) -> list[AgencyRecord]:
    return [_agency(r) for r in await conn.execute(select(agencies).order_by(agencies.c.id))]


async def agency_parents(conn: AsyncConnection) -> dict[str, str | None]:
    """Every agency's parent (the agency tree)."""
    rows = await conn.execute(select(agencies.c.id, agencies.c.parent_id))
    return {agency_id: parent for agency_id, parent in rows}


async def insert_agency(conn: AsyncConnection, agency: AgencyRecord, *, now: datetime) -> None:
    """Insert the agency at revision 1, announced (its ``agency.created`` is in this unit of
    work's outbox)."""
    values = {k: getattr(agency, k) for k in _AGENCY_COLUMNS if k != "revision"}
    await conn.execute(insert(agencies).values(**values, revision=1, announced_revision=1,
                                               created_at=now))


async def change_agency(conn: AsyncConnection, agency_id: str, changes: dict[str, Any], *,
                        now: datetime) -> AgencyRecord | None:
    """Apply ``changes`` (catalogue columns) as the next revision, announced in this unit of
    work; None if no such agency."""
    if not await _change(conn, agencies, agencies.c.id == agency_id, changes, now=now):
        return None
    return await get_agency(conn, agency_id)


async def set_agency_notification_email(conn: AsyncConnection, agency_id: str,
                                        email: str | None) -> AgencyRecord | None:
    """Set (or, with None, clear) the agency's notification address; None if no such
    agency. Not a catalogue change: the address is contact data, never published."""
    await conn.execute(update(agencies).where(agencies.c.id == agency_id)
                       .values(notification_email=email))
    return await get_agency(conn, agency_id)


async def get_category(conn: AsyncConnection, code: str) -> CategoryRecord | None:
    row = (await conn.execute(select(categories).where(categories.c.code == code))).first()
    return _category(row) if row else None


async def list_categories(conn: AsyncConnection, *,
                          active_only: bool = True) -> list[CategoryRecord]:
    stmt = select(categories).order_by(categories.c.code)
    if active_only:
        stmt = stmt.where(categories.c.active.is_(True))
    return [_category(r) for r in await conn.execute(stmt)]


async def insert_category(conn: AsyncConnection, category: CategoryRecord, *,
                          now: datetime) -> None:
    """Insert the category at revision 1, announced (like ``insert_agency``)."""
    values = {k: getattr(category, k) for k in _CATEGORY_COLUMNS
              if k not in ("created_at", "revision")}
    await conn.execute(insert(categories).values(**values, revision=1, announced_revision=1,
                                                 created_at=now))


async def change_category(conn: AsyncConnection, code: str, changes: dict[str, Any], *,
                          now: datetime) -> CategoryRecord | None:
    """Like ``change_agency``, for a category."""
    if not await _change(conn, categories, categories.c.code == code, changes, now=now):
        return None
    return await get_category(conn, code)


async def _change(conn: AsyncConnection, table: Table, where: ColumnElement[bool],
                  changes: dict[str, Any], *, now: datetime) -> bool:
    result = await conn.execute(update(table).where(where).values(
        **changes, revision=table.c.revision + 1, announced_revision=table.c.revision + 1,
        changed_at=now))
    return bool(result.rowcount)


async def unannounced_catalogue(conn: AsyncConnection, *, limit: int,
                                ) -> tuple[list[AgencyRecord], list[CategoryRecord]]:
    """Agencies and categories whose current revision was never put in the outbox (rows an
    upgrade found), parents before children, at most ``limit`` of each."""
    def pending(table: Table) -> ColumnElement[bool]:
        return or_(table.c.announced_revision.is_(None),
                   table.c.announced_revision < table.c.revision)

    rows = list(await conn.execute(select(agencies).where(pending(agencies))))
    # every pending agency after its pending parent: KPI's tree is whole at each step
    by_id = {r.id: r for r in rows}

    def depth(row: Any) -> int:
        seen: set[str] = set()
        while row.parent_id in by_id and row.id not in seen:
            seen.add(row.id)
            row = by_id[row.parent_id]
        return len(seen)

    rows.sort(key=lambda r: (depth(r), r.id))
    cats = await conn.execute(select(categories).where(pending(categories))
                              .order_by(categories.c.code).limit(limit))
    return [_agency(r) for r in rows[:limit]], [_category(r) for r in cats]


async def claim_announcement(conn: AsyncConnection, *, agency_id: str | None = None,
                             category_code: str | None = None, revision: int) -> bool:
    """Mark ``revision`` announced, if no other process did it first (the caller publishes
    only when this answers True, in the same unit of work)."""
    table, where = ((agencies, agencies.c.id == agency_id) if agency_id is not None
                    else (categories, categories.c.code == category_code))
    result = await conn.execute(update(table).where(
        where, table.c.revision == revision,
        or_(table.c.announced_revision.is_(None), table.c.announced_revision < revision),
    ).values(announced_revision=revision))
    return bool(result.rowcount)


async def catalogue_changed_at(conn: AsyncConnection) -> datetime | None:
    """When the service catalogue last changed (Open311 discovery's changeset)."""
    value: datetime | None = (await conn.execute(select(func.max(
        func.coalesce(categories.c.changed_at, categories.c.created_at))))).scalar()
    return value


# -- Open311 API keys ------------------------------------------------------------------------

def _api_key(row: Any) -> ApiKeyRecord:
    return ApiKeyRecord(id=row.id, name=row.name, created_at=row.created_at,
                        revoked_at=row.revoked_at)


async def list_api_keys(conn: AsyncConnection) -> list[ApiKeyRecord]:
    return [_api_key(r) for r in await conn.execute(
        select(api_keys).order_by(api_keys.c.created_at))]


async def get_api_key(conn: AsyncConnection, key_id: str) -> ApiKeyRecord | None:
    row = (await conn.execute(select(api_keys).where(api_keys.c.id == key_id))).first()
    return _api_key(row) if row else None


async def active_api_key(conn: AsyncConnection, key_hash: str) -> ApiKeyRecord | None:
    """The unrevoked Open311 API key with this hash."""
    row = (await conn.execute(select(api_keys).where(
        api_keys.c.key_hash == key_hash, api_keys.c.revoked_at.is_(None)))).first()
    return _api_key(row) if row else None


async def insert_api_key(conn: AsyncConnection, key: ApiKeyRecord, *, key_hash: str) -> None:
    await conn.execute(insert(api_keys).values(id=key.id, name=key.name, key_hash=key_hash,
                                               created_at=key.created_at))


async def revoke_api_key(conn: AsyncConnection, key_id: str, *, at: datetime) -> None:
    await conn.execute(update(api_keys).where(api_keys.c.id == key_id).values(revoked_at=at))


# -- complaints ------------------------------------------------------------------------------

_COMPLAINT_FIELDS = tuple(ComplaintRecord.__dataclass_fields__)


def _complaint(row: Any) -> ComplaintRecord:
    m = row._mapping
    return ComplaintRecord(**{k: m[k] for k in _COMPLAINT_FIELDS})


def insert_complaint(uow: UnitOfWork, values: dict[str, Any]) -> None:
    uow.insert(complaints, [values])


def insert_attachments(uow: UnitOfWork, rows: Sequence[AttachmentRecord], *,
                       complaint_id: str) -> None:
    uow.insert(attachments, [{"id": a.id, "complaint_id": complaint_id, "url": a.url,
                              "media_type": a.media_type, "size_bytes": a.size_bytes,
                              "created_at": a.created_at} for a in rows])


def _locked(conn: AsyncConnection, stmt: Select[Any], lock: bool) -> Select[Any]:
    return stmt.with_for_update() if lock and conn.dialect.name == "postgresql" else stmt


async def get_complaint(conn: AsyncConnection, complaint_id: str, *,
                        lock: bool = False) -> ComplaintRecord | None:
    stmt = _locked(conn, select(complaints).where(C.id == complaint_id), lock)
    row = (await conn.execute(stmt)).first()
    return _complaint(row) if row else None


async def get_by_tracking_code(conn: AsyncConnection, code: str, *,
                               lock: bool = False) -> ComplaintRecord | None:
    stmt = _locked(conn, select(complaints).where(C.tracking_code == code), lock)
    row = (await conn.execute(stmt)).first()
    return _complaint(row) if row else None


async def set_push_token(conn: AsyncConnection, complaint_id: str,
                         push_token: str | None) -> None:
    await conn.execute(update(complaints).where(C.id == complaint_id)
                       .values(reporter_push_token=push_token))


async def save_state(conn: AsyncConnection, complaint: domain.Complaint,
                     now: datetime) -> None:
    await conn.execute(update(complaints).where(C.id == complaint.id)
                       .values(**state_columns(complaint), updated_at=now))


def with_state(record: ComplaintRecord, complaint: domain.Complaint,
               now: datetime) -> ComplaintRecord:
    """The record as ``save_state`` leaves it."""
    return replace(record, **state_columns(complaint), updated_at=now)


def append_timeline(uow: UnitOfWork, complaint: domain.Complaint
                    ) -> tuple[tuple[MessageRecord, ...], tuple[AuditRecord, ...]]:
    """Queue the complaint's new timeline entries (written with the unit of work's other rows);
    returns them as records."""
    new_messages = tuple(MessageRecord(at=m.at, author_role=str(m.author.role),
                                       author_id=m.author.id, visibility=str(m.visibility),
                                       body=m.body) for m in complaint.messages)
    new_audit = tuple(AuditRecord(at=a.at, action=str(a.action), actor_role=str(a.actor.role),
                                  actor_id=a.actor.id,
                                  from_status=a.from_status and str(a.from_status),
                                  to_status=str(a.to_status), note=a.note)
                      for a in complaint.audit)
    uow.insert(messages, [{"complaint_id": complaint.id, "at": m.at,
                           "author_role": m.author_role, "author_id": m.author_id,
                           "visibility": m.visibility, "body": m.body} for m in new_messages])
    uow.insert(audit, [{"complaint_id": complaint.id, "at": a.at, "action": a.action,
                        "actor_role": a.actor_role, "actor_id": a.actor_id,
                        "from_status": a.from_status, "to_status": a.to_status, "note": a.note}
                       for a in new_audit])
    return new_messages, new_audit


async def insert_rating(conn: AsyncConnection, complaint_id: str,
                        rating: domain.Rating) -> RatingRecord:
    await conn.execute(insert(ratings).values(complaint_id=complaint_id,
                                              resolution=rating.resolution, score=rating.score,
                                              comment=rating.comment, at=rating.at))
    return RatingRecord(resolution=rating.resolution, score=rating.score,
                        comment=rating.comment, at=rating.at)


async def timeline(conn: AsyncConnection, complaint_id: str) -> Timeline:
    def q(table: Table, order: ColumnElement[Any]) -> Select[Any]:
        return select(table).where(table.c.complaint_id == complaint_id).order_by(order)

    return Timeline(
        messages=tuple(MessageRecord(at=r.at, author_role=r.author_role, author_id=r.author_id,
                                     visibility=r.visibility, body=r.body)
                       for r in await conn.execute(q(messages, messages.c.id))),
        audit=tuple(AuditRecord(at=r.at, action=r.action, actor_role=r.actor_role,
                                actor_id=r.actor_id, from_status=r.from_status,
                                to_status=r.to_status, note=r.note)
                    for r in await conn.execute(q(audit, audit.c.id))),
        attachments=tuple(AttachmentRecord(id=r.id, url=r.url, media_type=r.media_type,
                                           size_bytes=r.size_bytes, created_at=r.created_at)
                          for r in await conn.execute(q(attachments, attachments.c.created_at))),
        ratings=tuple(_rating(r) for r in await conn.execute(q(ratings, ratings.c.resolution))),
    )


def _rating(row: Any) -> RatingRecord:
    return RatingRecord(resolution=row.resolution, score=row.score, comment=row.comment,
                        at=row.at)


async def latest_rating(conn: AsyncConnection, complaint_id: str) -> RatingRecord | None:
    row = (await conn.execute(select(ratings).where(ratings.c.complaint_id == complaint_id)
                              .order_by(ratings.c.resolution.desc()).limit(1))).first()
    return _rating(row) if row else None


# -- row <-> domain --------------------------------------------------------------------------

def to_domain(record: ComplaintRecord, policy: SlaPolicy,
              rating: RatingRecord | None) -> domain.Complaint:
    return domain.Complaint(
        id=record.id, tracking_code=record.tracking_code, filed_at=record.filed_at,
        complexity=Complexity(record.complexity), deadlines=record.deadlines,
        status=domain.Status(record.status), agencies=tuple(record.agency_chain),
        rejection=domain.RejectionReason(record.rejection) if record.rejection else None,
        duplicate_of=record.duplicate_of, first_responded_at=record.first_responded_at,
        auto_close_at=record.auto_close_at, resolved_at=record.resolved_at,
        reopen_until=record.reopen_until, resolutions=record.resolutions,
        ratings=(domain.Rating(rating.score, rating.comment, rating.at, rating.resolution),)
        if rating else (),
        escalated=frozenset(Milestone(m) for m in record.escalated), policy=policy,
    )


def state_columns(c: domain.Complaint) -> dict[str, Any]:
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


# -- listing ---------------------------------------------------------------------------------

class InvalidCursor(ValueError):
    """Not a cursor this API issued."""


@dataclass(frozen=True)
class Cursor:
    """Where a page ended: the last complaint's filing time and id (newest first)."""

    filed_at: datetime
    complaint_id: str

    def encode(self) -> str:
        raw = json.dumps([self.filed_at.isoformat(), self.complaint_id]).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            filed_at, complaint_id = json.loads(raw)
            instant = datetime.fromisoformat(filed_at)
            if instant.utcoffset() is None:
                raise InvalidCursor(text)
            # DatetimeOutOfRange (a ValueError) for an instant outside years 1-9999 in UTC
            return cls(to_utc(instant), str(complaint_id))
        except (ValueError, TypeError, binascii.Error) as exc:
            raise InvalidCursor(text) from exc


#: the words of a search on SQLite, at most this many (each one a LIKE over two columns)
SEARCH_WORDS = 8


def search_clause(text: str, dialect: str) -> ColumnElement[bool]:
    """Complaints whose title or description match ``text``, or whose tracking code it is.

    PostgreSQL: a web-search query (``jalan rusak``, ``"lampu jalan"``, ``-banjir``, ``or``)
    over the GIN-indexed Indonesian text document, with stemming. SQLite (the embedded
    default): every word must appear, case-insensitively, in the title or the description.
    """
    by_code = C.tracking_code == text.strip().upper()
    if dialect == "postgresql":
        query = func.websearch_to_tsquery(literal_column("'indonesian'::regconfig"), text)
        return or_(by_code, SEARCH_DOCUMENT.op("@@")(query))
    words = re.findall(r"\w+", text)[:SEARCH_WORDS]  # letters, digits and "_" only
    patterns = ["%" + word.replace("_", "\\_") + "%" for word in words]
    return or_(by_code, and_(*(or_(C.title.ilike(p, escape="\\"),
                                   C.description.ilike(p, escape="\\")) for p in patterns))
               if patterns else false())


def overdue_clause(now: datetime) -> ColumnElement[bool]:
    """A pending deadline has passed (and the complaint is still being handled): the SQL of
    ``domain.late_deadlines``."""
    return and_(C.status.notin_(FINISHED), or_(
        C.resolve_by < now,
        and_(C.status.in_(_in(domain.PENDING_IN[Milestone.VERIFY])), C.verify_by < now),
        and_(C.first_responded_at.is_(None), C.first_response_by < now),
    ))


async def list_complaints(conn: AsyncConnection, *, visible: frozenset[str] | None,
                          filters: ListFilters, cursor: Cursor | None, limit: int,
                          now: datetime) -> tuple[list[ComplaintSummaryRecord], Cursor | None]:
    stmt = select(C.id, C.tracking_code, C.title, C.category_code, C.agency_id, C.status,
                  C.privacy, C.filed_at, C.resolve_by, overdue_clause(now).label("overdue"))
    if visible is not None:
        stmt = stmt.where(C.agency_id.in_(sorted(visible)))
    f = filters
    if f.status:
        stmt = stmt.where(C.status.in_(list(f.status)))
    if f.category_code:
        stmt = stmt.where(C.category_code == f.category_code)
    if f.agency_id:
        stmt = stmt.where(C.agency_id == f.agency_id)
    if f.filed_from:
        stmt = stmt.where(C.filed_at >= f.filed_from)
    if f.filed_to:
        stmt = stmt.where(C.filed_at < f.filed_to)
    if f.overdue is not None:
        clause = overdue_clause(now)
        stmt = stmt.where(clause if f.overdue else ~clause)
    if f.text:
        stmt = stmt.where(search_clause(f.text, conn.dialect.name))
    if cursor:
        stmt = stmt.where(or_(C.filed_at < cursor.filed_at,
                              and_(C.filed_at == cursor.filed_at, C.id < cursor.complaint_id)))
    stmt = stmt.order_by(C.filed_at.desc(), C.id.desc()).limit(limit + 1)
    rows = [ComplaintSummaryRecord(id=r.id, tracking_code=r.tracking_code, title=r.title,
                                   category_code=r.category_code, agency_id=r.agency_id,
                                   status=r.status, privacy=r.privacy, filed_at=r.filed_at,
                                   resolve_by=r.resolve_by, overdue=bool(r.overdue))
            for r in await conn.execute(stmt)]
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, Cursor(rows[-1].filed_at, rows[-1].id)


# -- the reporter's contact: retention, push requests ----------------------------------------

_CONTACT_COLUMNS = ("reporter_name", "reporter_email", "reporter_phone", "reporter_push_token")


async def erase_contacts(conn: AsyncConnection, *, before: datetime, now: datetime,
                         limit: int) -> int:
    """Erase the contact of up to ``limit`` complaints in a terminal status since before
    ``before`` (a terminal complaint takes no step, so ``updated_at`` is when it got there),
    and mark them erased (anonymous ones too: there was nothing to erase). Returns how many."""
    ids = select(C.id).where(C.status.in_(_in(domain.TERMINAL)), C.updated_at < before,
                             C.contact_erased_at.is_(None)).limit(limit)
    chosen = [r.id for r in (await conn.execute(ids)).all()]
    if not chosen:
        return 0
    await conn.execute(update(complaints).where(C.id.in_(chosen))
                       .values({**dict.fromkeys(_CONTACT_COLUMNS), "contact_erased_at": now}))
    return len(chosen)


def insert_push_request(uow: UnitOfWork, *, notification_id: str, complaint_id: str,
                        token_sha256: str, now: datetime) -> None:
    uow.insert(push_requests, [{"notification_id": notification_id,
                                "complaint_id": complaint_id, "token_sha256": token_sha256,
                                "created_at": now}])


async def get_push_request(conn: AsyncConnection,
                           notification_id: str) -> tuple[str, str] | None:
    """The complaint a push request was for and its token's SHA-256, if it is still kept."""
    row = (await conn.execute(select(push_requests.c.complaint_id,
                                     push_requests.c.token_sha256)
                              .where(push_requests.c.notification_id == notification_id))
           ).first()
    return (row.complaint_id, row.token_sha256) if row else None


async def clear_push_token(conn: AsyncConnection, complaint_id: str, *, token: str) -> bool:
    """Forget the complaint's push token if it is still ``token``."""
    result = await conn.execute(update(complaints)
                                .where(C.id == complaint_id, C.reporter_push_token == token)
                                .values(reporter_push_token=None))
    return bool(result.rowcount)


async def purge_push_requests(conn: AsyncConnection, *, before: datetime) -> int:
    result = await conn.execute(delete(push_requests)
                                .where(push_requests.c.created_at < before))
    return result.rowcount


# -- idempotency -----------------------------------------------------------------------------

@dataclass(frozen=True)
class StoredAnswer:
    request_hash: str
    response: dict[str, Any]


async def find_idempotent(conn: AsyncConnection, scope: str, key: str) -> StoredAnswer | None:
    row = (await conn.execute(select(idempotency_keys.c.request_hash, idempotency_keys.c.response)
                              .where(idempotency_keys.c.scope == scope,
                                     idempotency_keys.c.key == key))).first()
    return StoredAnswer(row.request_hash, dict(row.response)) if row else None


async def purge_idempotent(conn: AsyncConnection, *, before: datetime) -> int:
    result = await conn.execute(delete(idempotency_keys)
                                .where(idempotency_keys.c.created_at < before))
    return result.rowcount


def save_idempotent(uow: UnitOfWork, *, scope: str, key: str, request_hash: str,
                    status_code: int, response: dict[str, Any], now: datetime) -> None:
    uow.insert(idempotency_keys, [{"scope": scope, "key": key, "request_hash": request_hash,
                                   "status_code": status_code, "response": response,
                                   "created_at": now}])


# -- SLA -------------------------------------------------------------------------------------

_DUE = {Milestone.VERIFY: C.verify_by, Milestone.FORWARD: C.forward_by,
        Milestone.FIRST_RESPONSE: C.first_response_by, Milestone.RESOLUTION: C.resolve_by}


def _pending(milestone: Milestone) -> ColumnElement[bool]:
    pending = C.status.in_(_in(domain.PENDING_IN[milestone]))
    if milestone is Milestone.FIRST_RESPONSE:
        return and_(C.first_responded_at.is_(None), pending)
    return pending


async def sla_candidates(conn: AsyncConnection, milestone: Milestone, *, now: datetime,
                         horizon: datetime) -> list[tuple[str, datetime]]:
    """Complaints with this step pending whose deadline is past and not yet breached, or
    within the horizon and not yet warned of: each deadline is looked at twice at most."""
    column = _DUE[milestone]

    def emitted(kind: str) -> ColumnElement[bool]:
        return select(sla_emissions.c.complaint_id).where(
            sla_emissions.c.complaint_id == C.id, sla_emissions.c.deadline == str(milestone),
            sla_emissions.c.due_at == column, sla_emissions.c.kind == kind).exists()

    stmt = select(C.id, column).where(_pending(milestone), column <= horizon,
                                      ~emitted("breached"), or_(column < now, ~emitted("warning")))
    return [(r[0], r[1]) for r in await conn.execute(stmt)]


async def lapsed(conn: AsyncConnection, *, now: datetime) -> list[str]:
    """Answered or resolved complaints whose citizen let the auto-close or reopen time pass."""
    stmt = select(C.id).where(or_(
        and_(C.status == str(domain.Status.RESPONDED), C.auto_close_at < now),
        and_(C.status == str(domain.Status.RESOLVED), C.reopen_until < now)))
    return list((await conn.execute(stmt)).scalars())


async def claim_emission(conn: AsyncConnection, *, complaint_id: str, milestone: Milestone,
                         kind: str, due: datetime, now: datetime) -> bool:
    """Claim (complaint, deadline, kind, due) for this transaction; False if already taken."""
    stmt = on_conflict(conn, sla_emissions, key=("complaint_id", "deadline", "kind", "due_at"))
    result = await conn.execute(stmt, {"complaint_id": complaint_id, "deadline": str(milestone),
                                       "kind": kind, "due_at": due, "emitted_at": now})
    return result.rowcount == 1


# -- public listing (Open311) ----------------------------------------------------------------

async def public_requests(conn: AsyncConnection, f: PublicFilters, *,
                          limit: int) -> list[PublicRequest]:
    """Listed complaints (``disclosure``: verified first, never private) with their service
    and agency names, their last staff reply and the file sent with them, newest first. What
    of each the public sees is ``disclosure.public_view``'s decision."""
    stmt = (select(complaints, categories.c.name_id.label("service_name_id"),
                   categories.c.name_en.label("service_name_en"),
                   agencies.c.name_id.label("agency_name_id"),
                   agencies.c.name_en.label("agency_name_en"))
            .join(categories, categories.c.code == C.category_code)
            .outerjoin(agencies, agencies.c.id == C.agency_id)
            .where(C.private.is_(False), C.status.in_(sorted(disclosure.LISTED))))
    if f.ids:
        stmt = stmt.where(C.id.in_(list(f.ids)))
    else:
        if f.service_codes:
            stmt = stmt.where(C.category_code.in_(list(f.service_codes)))
        if f.closed is not None:
            closed = C.status.in_(FINISHED)
            stmt = stmt.where(closed if f.closed else ~closed)
        if f.start is not None:
            stmt = stmt.where(C.filed_at >= f.start)
        if f.end is not None:
            stmt = stmt.where(C.filed_at <= f.end)
    stmt = stmt.order_by(C.filed_at.desc(), C.id.desc()).limit(limit)
    rows = (await conn.execute(stmt)).all()
    ids = [r.id for r in rows]
    replies = await _latest_staff_replies(conn, ids)
    media = await _filed_media(conn, ids)
    return [PublicRequest(complaint=_complaint(r), service_name_id=r.service_name_id,
                          service_name_en=r.service_name_en, agency_name_id=r.agency_name_id,
                          agency_name_en=r.agency_name_en, staff_reply=replies.get(r.id),
                          media_url=media.get(r.id)) for r in rows]


async def _latest_staff_replies(conn: AsyncConnection, ids: Sequence[str]) -> dict[str, str]:
    """The last public reply an officer wrote on each complaint (citizens' own are left out:
    a reporter may name themselves in them)."""
    if not ids:
        return {}
    stmt = (select(messages.c.complaint_id, messages.c.body)
            .where(messages.c.complaint_id.in_(list(ids)), messages.c.visibility == "public",
                   messages.c.author_role != str(domain.Role.CITIZEN))
            .order_by(messages.c.id))
    return {cid: body for cid, body in await conn.execute(stmt)}


async def _filed_media(conn: AsyncConnection, ids: Sequence[str]) -> dict[str, str]:
    """The first attachment sent with each complaint when it was filed (staff's later files,
    which may be internal, are left out)."""
    if not ids:
        return {}
    stmt = (select(attachments.c.complaint_id, attachments.c.url)
            .join(complaints, C.id == attachments.c.complaint_id)
            .where(attachments.c.complaint_id.in_(list(ids)),
                   attachments.c.created_at == C.filed_at)
            .order_by(attachments.c.created_at.desc(), attachments.c.id.desc()))
    return {cid: url for cid, url in await conn.execute(stmt)}
