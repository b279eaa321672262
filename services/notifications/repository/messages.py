"""Statements on messages and preferences."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.notifications.domain.messages import Status
from services.notifications.models import messages, preferences
from shared.types import AnyRow
from shared.upsert import on_conflict


async def insert_message(conn: AsyncConnection, row: dict[str, Any]) -> bool:
    """Store a message unless one with its id exists (a producer's retry): True if new."""
    stmt = on_conflict(conn, messages, key=("id",))
    return (await conn.execute(stmt, row)).rowcount == 1


async def seen_recently(conn: AsyncConnection, *, recipient_key: str, content_hash: str,
                        since: datetime, other_than: str) -> bool:
    stmt = (select(messages.c.id)
            .where(messages.c.recipient_key == recipient_key,
                   messages.c.content_hash == content_hash,
                   messages.c.created_at >= since, messages.c.id != other_than,
                   messages.c.status != Status.SUPPRESSED)
            .limit(1))
    return (await conn.execute(stmt)).first() is not None


async def opted_out(conn: AsyncConnection, recipient_key: str, template_name: str) -> bool:
    stmt = select(preferences.c.recipient_key).where(
        preferences.c.recipient_key == recipient_key,
        preferences.c.template_name.in_([template_name, "*"]))
    return (await conn.execute(stmt)).first() is not None


async def set_opt_out(conn: AsyncConnection, recipient_key: str, template_name: str,
                      now: datetime) -> None:
    stmt = on_conflict(conn, preferences, key=("recipient_key", "template_name"))
    await conn.execute(stmt, {"recipient_key": recipient_key, "template_name": template_name,
                              "opted_out_at": now})


async def remove_opt_out(conn: AsyncConnection, recipient_key: str, template_name: str) -> None:
    await conn.execute(delete(preferences).where(
        preferences.c.recipient_key == recipient_key,
        preferences.c.template_name == template_name))


async def claim_due(conn: AsyncConnection, *, now: datetime, lease_until: datetime,
                    limit: int) -> list[AnyRow]:
    """Take up to ``limit`` queued messages whose time has come and that no sender holds;
    lease them until ``lease_until``. PostgreSQL: rows other replicas lock are skipped."""
    stmt = (select(messages)
            .where(messages.c.status == Status.QUEUED, messages.c.next_attempt_at <= now,
                   or_(messages.c.lease_until.is_(None), messages.c.lease_until < now))
            .order_by(messages.c.next_attempt_at).limit(limit))
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    rows = list((await conn.execute(stmt)).all())
    if rows:
        await conn.execute(update(messages).where(messages.c.id.in_([r.id for r in rows]))
                           .values(lease_until=lease_until))
    return rows


async def digest_members(conn: AsyncConnection, *, recipient_key: str, channel: str,
                         locale: str, now: datetime, lease_until: datetime) -> list[AnyRow]:
    """The other daily messages due for one recipient's digest, leased with it."""
    stmt = (select(messages)
            .where(messages.c.status == Status.QUEUED, messages.c.digest == "daily",
                   messages.c.recipient_key == recipient_key, messages.c.channel == channel,
                   messages.c.locale == locale, messages.c.next_attempt_at <= now,
                   or_(messages.c.lease_until.is_(None), messages.c.lease_until < now))
            .order_by(messages.c.requested_at))
    rows = list((await conn.execute(stmt)).all())
    if rows:
        await conn.execute(update(messages).where(messages.c.id.in_([r.id for r in rows]))
                           .values(lease_until=lease_until))
    return rows


async def recent_sends(conn: AsyncConnection, recipient_keys: Sequence[str],
                       since: datetime) -> dict[str, list[datetime]]:
    if not recipient_keys:
        return {}
    stmt = select(messages.c.recipient_key, messages.c.sent_at).where(
        messages.c.recipient_key.in_(list(set(recipient_keys))), messages.c.sent_at >= since)
    found: dict[str, list[datetime]] = {}
    for key, at in (await conn.execute(stmt)).all():
        found.setdefault(key, []).append(at)
    return found


async def update_message(conn: AsyncConnection, message_id: str, **values: Any) -> None:
    await conn.execute(update(messages).where(messages.c.id == message_id).values(**values))


async def update_many(conn: AsyncConnection, ids: Sequence[str], **values: Any) -> None:
    await conn.execute(update(messages).where(messages.c.id.in_(list(ids))).values(**values))


async def by_provider_id(conn: AsyncConnection, channel: str, reference: str
                         ) -> AnyRow | None:
    """The message a delivery report names: by the gateway's id or by our id (reference)."""
    stmt = select(messages).where(
        messages.c.channel == channel,
        or_(messages.c.provider_id == reference, messages.c.id == reference)).limit(1)
    return (await conn.execute(stmt)).first()


async def get_message(conn: AsyncConnection, message_id: str) -> AnyRow | None:
    return (await conn.execute(select(messages).where(messages.c.id == message_id))).first()


async def for_complaint(conn: AsyncConnection, complaint_id: str) -> list[AnyRow]:
    stmt = (select(messages).where(messages.c.complaint_id == complaint_id)
            .order_by(messages.c.requested_at, messages.c.id))
    return list((await conn.execute(stmt)).all())


async def erase_contacts(conn: AsyncConnection, *, final_before: datetime,
                         now: datetime) -> int:
    """Erase the address and variables of messages final since before ``final_before``."""
    stmt = (update(messages)
            .where(messages.c.final_at < final_before, messages.c.erased_at.is_(None))
            .values(recipient=None, variables=None, erased_at=now))
    return (await conn.execute(stmt)).rowcount


async def erase_recipient(conn: AsyncConnection, recipient_key: str, now: datetime) -> int:
    """Erasure on request: every final message's address and variables, at once; messages
    still on their way are failed (they cannot be sent without the address)."""
    done = await conn.execute(
        update(messages).where(messages.c.recipient_key == recipient_key,
                               messages.c.erased_at.is_(None))
        .values(recipient=None, variables=None, erased_at=now))
    return done.rowcount

