"""The SLA scheduler: warnings one working day before a deadline, breaches after it (the
complaint is marked escalated), and auto-close of answers the citizen let lapse.

Exactly once per deadline, however many replicas run it: a warning or breach is first claimed
by inserting (complaint, deadline, kind, due_at) into ``sla_emissions`` — a primary key, so
only one transaction can — and published through the outbox in that same transaction.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

import structlog
from sqlalchemy import and_, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from services.complaints import domain, repository
from services.complaints.mapping import deadline_kind
from services.complaints.models import complaints, sla_emissions
from services.complaints.service import contact_of, facts_of
from services.complaints.sla import Milestone
from shared.events.complaints import ComplaintSlaWarning
from shared.runtime import ServiceRuntime, pause

log = structlog.get_logger(__name__)
SYSTEM = domain.Actor(domain.Role.SYSTEM, "sla-scheduler")
_OPEN = ("submitted", "verified", "forwarded", "in_progress", "reopened", "responded")
C = complaints.c
PENDING = {
    Milestone.VERIFY: (C.verify_by, C.status == "submitted"),
    Milestone.FORWARD: (C.forward_by, C.status.in_(("submitted", "verified"))),
    Milestone.FIRST_RESPONSE: (C.first_response_by,
                               and_(C.first_responded_at.is_(None), C.status.in_(_OPEN))),
    Milestone.RESOLUTION: (C.resolve_by, C.status.in_(_OPEN)),
}


async def sla_scheduler(runtime: ServiceRuntime, stopping: asyncio.Event) -> None:
    service = runtime.state["complaints"]
    interval = service.settings.sla_scan_interval_s
    while not stopping.is_set():
        await scan(service, service.now())
        await pause(stopping, interval)


async def scan(service, now: datetime) -> dict[str, int]:
    """One pass; returns how many warnings, breaches and auto-closes it emitted, and how many
    deadlines it examined (``examined``: only those due for a warning or a breach)."""
    counts = {"warning": 0, "breached": 0, "closed": 0}
    # no deadline after this one can be in its warning period yet
    horizon = service.policy.calendar.add_working_days(now, service.policy.warning_days)
    async with service.runtime.engine.connect() as conn:
        todo = [(m, complaint_id, due) for m in PENDING
                for complaint_id, due in await _candidates(conn, m, now, horizon)]
        lapsed = (await conn.execute(select(C.id).where(or_(
            and_(C.status == "responded", C.auto_close_at < now),
            and_(C.status == "resolved", C.reopen_until < now))))).scalars().all()
    for milestone, complaint_id, due in todo:
        due = repository._aware(due)
        if due < now:
            counts["breached"] += await _breach(service, complaint_id, milestone, due, now)
        elif service.policy.warning_time(due) <= now:
            counts["warning"] += await _warn(service, complaint_id, milestone, due, now)
    for complaint_id in lapsed:
        counts["closed"] += await _auto_close(service, complaint_id, now)
    if any(counts.values()):
        log.info("sla.scan", **counts)
    return counts | {"examined": len(todo)}


async def _candidates(conn: AsyncConnection, milestone: Milestone, now: datetime,
                      horizon: datetime) -> list[tuple[str, datetime]]:
    """Complaints with this step pending whose deadline is past and not yet breached, or
    within the horizon and not yet warned of: each deadline is looked at twice at most."""
    column, pending = PENDING[milestone]

    def emitted(kind: str):
        return select(sla_emissions.c.complaint_id).where(
            sla_emissions.c.complaint_id == C.id, sla_emissions.c.deadline == str(milestone),
            sla_emissions.c.due_at == column, sla_emissions.c.kind == kind).exists()

    stmt = select(C.id, column).where(pending, column <= horizon, ~emitted("breached"),
                                      or_(column < now, ~emitted("warning")))
    return [(r[0], r[1]) for r in (await conn.execute(stmt)).all()]


async def _claim(conn: AsyncConnection, complaint_id: str, milestone: Milestone, kind: str,
                 due: datetime, now: datetime) -> bool:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(sla_emissions).values(
        complaint_id=complaint_id, deadline=str(milestone), kind=kind, due_at=due,
        emitted_at=now).on_conflict_do_nothing()
    return (await conn.execute(stmt)).rowcount == 1


async def _warn(service, complaint_id: str, milestone: Milestone, due: datetime,
                now: datetime) -> int:
    async with service.runtime.unit_of_work() as uow:
        row = await repository.get_complaint(uow.conn, complaint_id, lock=True)
        if row is None or not await _claim(uow.conn, complaint_id, milestone, "warning", due,
                                           now):
            return 0
        uow.publish(ComplaintSlaWarning(
            complaint_id=row.id, agency_id=row.agency_id, category_code=row.category_code,
            occurred_at=now, deadline=deadline_kind(milestone), due_at=due))
    return 1


async def _breach(service, complaint_id: str, milestone: Milestone, due: datetime,
                  now: datetime) -> int:
    async with service.runtime.unit_of_work() as uow:
        row = await repository.get_complaint(uow.conn, complaint_id, lock=True)
        if row is None or not await _claim(uow.conn, complaint_id, milestone, "breached", due,
                                           now):
            return 0
        complaint = repository.to_domain(row, service.policy,
                                         await repository.latest_rating(uow.conn, row.id))
        try:
            complaint.escalate(SYSTEM, now, milestone)
        except domain.ComplaintError as exc:  # met or escalated meanwhile: keep the claim
            log.info("sla.not_escalated", complaint_id=row.id, milestone=str(milestone),
                     reason=str(exc))
            return 0
        await repository.save_state(uow.conn, complaint, now)
        await service.record(uow, complaint, facts_of(row), contact_of(row))
    return 1


async def _auto_close(service, complaint_id: str, now: datetime) -> int:
    async with service.runtime.unit_of_work() as uow:
        row = await repository.get_complaint(uow.conn, complaint_id, lock=True)
        if row is None:
            return 0
        complaint = repository.to_domain(row, service.policy,
                                         await repository.latest_rating(uow.conn, row.id))
        try:
            complaint.close(SYSTEM, now, note="auto-closed: no answer from the citizen")
        except domain.ComplaintError:
            return 0  # the citizen answered or reopened in the meantime
        await repository.save_state(uow.conn, complaint, now)
        await service.record(uow, complaint, facts_of(row), contact_of(row))
    return 1
