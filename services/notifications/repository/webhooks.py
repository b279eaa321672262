"""Statements on webhook endpoints, their messages and attempts, and the disposisi chains.
Reads hand back the records of ``records.py``, never rows."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import aliased

from services.notifications.domain.webhooks import MessageStatus, Ordering
from services.notifications.models import (
    complaint_agencies,
    webhook_attempts,
    webhook_endpoints,
    webhook_messages,
)
from services.notifications.records import (
    Delivery,
    SigningEndpoint,
    StoredAttempt,
    StoredEndpoint,
    StoredMessage,
)
from shared.types import AnyRow
from shared.upsert import on_conflict

E, M, A = webhook_endpoints, webhook_messages, webhook_attempts


# -- the disposisi chain ----------------------------------------------------------------------


async def chain(conn: AsyncConnection, complaint_id: str) -> set[str]:
    stmt = select(complaint_agencies.c.agency_id).where(
        complaint_agencies.c.complaint_id == complaint_id)
    return set((await conn.execute(stmt)).scalars())


async def add_to_chain(conn: AsyncConnection, complaint_id: str, agency_ids: Iterable[str],
                       now: datetime) -> None:
    rows = [{"complaint_id": complaint_id, "agency_id": a, "first_seen_at": now}
            for a in sorted(set(agency_ids))]
    if rows:
        await conn.execute(on_conflict(conn, complaint_agencies,
                                       key=("complaint_id", "agency_id")), rows)


# -- endpoints -------------------------------------------------------------------------------

#: an endpoint's columns but its sealed secrets
_PUBLIC = [c for c in E.c if c.name not in ("secret_enc", "previous_secret_enc")]


def _endpoint(row: AnyRow) -> StoredEndpoint:
    return StoredEndpoint(
        id=row.id, agency_id=row.agency_id, url=row.url, description=row.description,
        event_types=tuple(row.event_types), ordering=row.ordering, enabled=row.enabled,
        disabled_reason=row.disabled_reason, contact_email=row.contact_email,
        rate_limit_per_s=row.rate_limit_per_s, failing_since=row.failing_since,
        previous_expires_at=row.previous_expires_at, created_at=row.created_at,
        updated_at=row.updated_at)


def _signing(row: AnyRow) -> SigningEndpoint:
    return SigningEndpoint(endpoint=_endpoint(row), secret_enc=bytes(row.secret_enc),
                           previous_secret_enc=None if row.previous_secret_enc is None
                           else bytes(row.previous_secret_enc))


async def insert_endpoint(conn: AsyncConnection, row: dict[str, Any]) -> None:
    await conn.execute(E.insert().values(**row))


async def get_endpoint(conn: AsyncConnection, endpoint_id: str) -> StoredEndpoint | None:
    row = (await conn.execute(select(*_PUBLIC).where(E.c.id == endpoint_id))).first()
    return None if row is None else _endpoint(row)


async def signing_endpoint(conn: AsyncConnection, endpoint_id: str) -> SigningEndpoint | None:
    """The endpoint with its sealed secrets (a rotation keeps the current one beside)."""
    row = (await conn.execute(select(E).where(E.c.id == endpoint_id))).first()
    return None if row is None else _signing(row)


async def list_endpoints(conn: AsyncConnection, agency_id: str | None) -> list[StoredEndpoint]:
    stmt = select(*_PUBLIC).order_by(E.c.created_at, E.c.id)
    if agency_id is not None:
        stmt = stmt.where(E.c.agency_id == agency_id)
    return [_endpoint(r) for r in (await conn.execute(stmt)).all()]


async def endpoints_for(conn: AsyncConnection, agency_ids: Iterable[str]
                        ) -> dict[str, tuple[str, ...]]:
    """The enabled endpoints of these agencies: their event-type patterns, by endpoint id."""
    ids = sorted(set(agency_ids))
    if not ids:
        return {}
    stmt = select(E.c.id, E.c.event_types).where(E.c.agency_id.in_(ids), E.c.enabled)
    return {r.id: tuple(r.event_types) for r in (await conn.execute(stmt)).all()}


async def signing_endpoints(conn: AsyncConnection, ids: Iterable[str]
                            ) -> dict[str, SigningEndpoint]:
    """The endpoints the dispatcher sends to, with their sealed secrets, by id."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = (await conn.execute(select(E).where(E.c.id.in_(wanted)))).all()
    return {r.id: _signing(r) for r in rows}


async def update_endpoint(conn: AsyncConnection, endpoint_id: str, **values: Any) -> None:
    await conn.execute(update(E).where(E.c.id == endpoint_id).values(**values))


async def delete_endpoint(conn: AsyncConnection, endpoint_id: str) -> None:
    seqs = select(M.c.seq).where(M.c.endpoint_id == endpoint_id)
    await conn.execute(delete(A).where(A.c.message_seq.in_(seqs)))
    await conn.execute(delete(M).where(M.c.endpoint_id == endpoint_id))
    await conn.execute(delete(E).where(E.c.id == endpoint_id))


async def mark_failing(conn: AsyncConnection, endpoint_ids: Sequence[str],
                       now: datetime) -> None:
    if endpoint_ids:
        await conn.execute(update(E).where(E.c.id.in_(list(endpoint_ids)),
                                           E.c.failing_since.is_(None))
                           .values(failing_since=now))


async def mark_healthy(conn: AsyncConnection, endpoint_ids: Sequence[str]) -> None:
    if endpoint_ids:
        await conn.execute(update(E).where(E.c.id.in_(list(endpoint_ids)),
                                           E.c.failing_since.is_not(None))
                           .values(failing_since=None))


# -- messages ----------------------------------------------------------------------------------


async def insert_messages(conn: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    """Queue messages; one already queued for the endpoint and event (a redelivered event
    whose inbox claim was lost with a rollback cannot happen, but a replay of the topic can)
    is kept as it is."""
    if rows:
        await conn.execute(on_conflict(conn, M, key=("endpoint_id", "event_id")), rows)


async def due_messages(conn: AsyncConnection, *, now: datetime, limit: int,
                       skip_endpoints: Iterable[str]) -> list[Delivery]:
    """Pending messages whose time has come, no lease held, endpoint enabled; for a
    ``per_subject`` endpoint only a subject's oldest pending message."""
    earlier = aliased(M)
    blocked = exists().where(earlier.c.endpoint_id == M.c.endpoint_id,
                             earlier.c.subject == M.c.subject,
                             earlier.c.status == MessageStatus.PENDING,
                             earlier.c.seq < M.c.seq)
    stmt = (select(M.c.seq, M.c.endpoint_id, M.c.event_id, M.c.event_type, M.c.body,
                   M.c.attempts)
            .join(E, E.c.id == M.c.endpoint_id)
            .where(M.c.status == MessageStatus.PENDING, M.c.next_attempt_at <= now,
                   or_(M.c.lease_until.is_(None), M.c.lease_until < now), E.c.enabled,
                   or_(E.c.ordering != Ordering.PER_SUBJECT, ~blocked))
            .order_by(M.c.next_attempt_at, M.c.seq).limit(limit))
    skip = sorted(set(skip_endpoints))
    if skip:
        stmt = stmt.where(M.c.endpoint_id.not_in(skip))
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=M, skip_locked=True)
    return [Delivery(seq=r.seq, endpoint_id=r.endpoint_id, event_id=r.event_id,
                     event_type=r.event_type, body=bytes(r.body), attempts=r.attempts)
            for r in (await conn.execute(stmt)).all()]


async def lease(conn: AsyncConnection, seqs: Sequence[int], until: datetime) -> None:
    if seqs:
        await conn.execute(update(M).where(M.c.seq.in_(list(seqs))).values(lease_until=until))


async def succeeded(conn: AsyncConnection, seqs: Sequence[int], status_code: int,
                    now: datetime) -> None:
    if seqs:
        await conn.execute(update(M).where(M.c.seq.in_(list(seqs)),
                                           M.c.lease_until.is_not(None)).values(
            status=MessageStatus.SUCCEEDED, attempts=M.c.attempts + 1, lease_until=None,
            next_attempt_at=None, last_status_code=status_code, updated_at=now))


async def settle(conn: AsyncConnection, seq: int, **values: Any) -> bool:
    """Record an attempt's effect on a leased message. A message requeued (replayed) while
    its attempt was in flight holds no lease any more: the new request wins (False)."""
    result = await conn.execute(update(M).where(M.c.seq == seq, M.c.lease_until.is_not(None))
                                .values(**values))
    return result.rowcount == 1


async def insert_attempts(conn: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    if rows:
        await conn.execute(A.insert(), rows)


async def list_messages(conn: AsyncConnection, endpoint_id: str, *, status: str | None,
                        limit: int, before_seq: int | None) -> list[StoredMessage]:
    stmt = (select(M.c.seq, M.c.event_id, M.c.event_type, M.c.subject, M.c.status,
                   M.c.attempts, M.c.next_attempt_at, M.c.last_status_code, M.c.created_at,
                   M.c.updated_at)
            .where(M.c.endpoint_id == endpoint_id).order_by(M.c.seq.desc()).limit(limit))
    if status:
        stmt = stmt.where(M.c.status == status)
    if before_seq is not None:
        stmt = stmt.where(M.c.seq < before_seq)
    return [StoredMessage(seq=r.seq, event_id=r.event_id, event_type=r.event_type,
                          subject=r.subject, status=r.status, attempts=r.attempts,
                          next_attempt_at=r.next_attempt_at,
                          last_status_code=r.last_status_code, created_at=r.created_at,
                          updated_at=r.updated_at)
            for r in (await conn.execute(stmt)).all()]


async def message_seq_of(conn: AsyncConnection, endpoint_id: str, event_id: str) -> int | None:
    """The seq of the endpoint's message for an event (its webhook-id), if there is one."""
    stmt = select(M.c.seq).where(M.c.endpoint_id == endpoint_id, M.c.event_id == event_id)
    seq: int | None = (await conn.execute(stmt)).scalar_one_or_none()
    return seq


async def attempts_of(conn: AsyncConnection, endpoint_id: str, *, message_seq: int | None,
                      limit: int) -> list[StoredAttempt]:
    stmt = (select(A.c.attempted_at, A.c.status_code, A.c.latency_ms, A.c.response_excerpt,
                   A.c.error_class, M.c.event_id).join(M, M.c.seq == A.c.message_seq)
            .where(A.c.endpoint_id == endpoint_id).order_by(A.c.id.desc()).limit(limit))
    if message_seq is not None:
        stmt = stmt.where(A.c.message_seq == message_seq)
    return [StoredAttempt(event_id=r.event_id, attempted_at=r.attempted_at,
                          status_code=r.status_code, latency_ms=r.latency_ms,
                          response_excerpt=r.response_excerpt, error_class=r.error_class)
            for r in (await conn.execute(stmt)).all()]


async def requeue(conn: AsyncConnection, endpoint_id: str, *, now: datetime,
                  event_id: str | None = None, failed_since: datetime | None = None) -> int:
    """Back to pending, due now, with a fresh attempt count: one message (replay, whatever
    its status) or every failed one since a time (recover)."""
    cond = [M.c.endpoint_id == endpoint_id]
    if event_id is not None:
        cond.append(M.c.event_id == event_id)
    else:
        cond += [M.c.status == MessageStatus.FAILED,
                 M.c.created_at >= failed_since if failed_since else M.c.seq > 0]
    result = await conn.execute(update(M).where(and_(*cond)).values(
        status=MessageStatus.PENDING, attempts=0, next_attempt_at=now, lease_until=None,
        updated_at=now))
    return result.rowcount


async def purge_attempts(conn: AsyncConnection, before: datetime) -> int:
    return (await conn.execute(delete(A).where(A.c.attempted_at < before))).rowcount


async def backlog(conn: AsyncConnection, endpoint_id: str) -> dict[str, int]:
    stmt = (select(M.c.status, func.count()).where(M.c.endpoint_id == endpoint_id)
            .group_by(M.c.status))
    return {status: int(n) for status, n in (await conn.execute(stmt)).all()}
