"""The use cases the background tasks run (``tasks.py`` loops them): the SLA scan, and the
purge of filings' stored answers.

The SLA scan emits a warning one working day before a deadline, a breach after it (the
complaint is marked escalated), and closes answers the citizen let lapse. Exactly once per
deadline, however many replicas run it: a warning or breach is first claimed by inserting
(complaint, deadline, kind, due_at) into ``sla_emissions`` (a primary key, so only one
transaction can) and published through the outbox in that same transaction.

The stored answers to retried filings (idempotency keys) are kept for
``idempotency_ttl_hours``, then deleted: a retry later than that files anew, and the citizen's
token inside a stored answer does not stay in the database longer than retries need it.

The reporter's contact (name, e-mail, phone, push token) is kept while the complaint can still
send them a message, and ``contact_retention_days`` after it reached a terminal status (closed
or rejected: no step leads out of one); then it is erased, ``ERASE_BATCH`` complaints per
transaction, and the complaint marked (``contact_erased_at``). The push requests' token hashes
(``push_requests``) are kept ``PUSH_REQUEST_DAYS``, long enough for the notifications service
to give up on a push (its retries end within a day).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import structlog

from services.complaints import domain, repository
from services.complaints.links import Links
from services.complaints.mapping import deadline_kind, sla_reminder
from services.complaints.records import ComplaintRecord
from services.complaints.service.changes import contact_of, facts_of, record_changes
from services.complaints.settings import ComplaintsSettings
from services.complaints.sla import Milestone, SlaPolicy
from shared.events.complaints import ComplaintSlaWarning
from shared.runtime import ServiceRuntime
from shared.uow import UnitOfWork

log = structlog.get_logger(__name__)
ERASE_BATCH = 500
PUSH_REQUEST_DAYS = 30
SYSTEM = domain.Actor(domain.Role.SYSTEM, "sla-scheduler")
AUTO_CLOSE_NOTE = "auto-closed: no answer from the citizen"


@dataclass(frozen=True)
class ScanCounts:
    warning: int = 0
    breached: int = 0
    closed: int = 0
    examined: int = 0  # deadlines looked at: only those due for a warning or a breach


class SlaScanner:
    def __init__(self, *, runtime: ServiceRuntime, settings: ComplaintsSettings,
                 policy: SlaPolicy) -> None:
        self.runtime = runtime
        self.settings = settings
        self.policy = policy

    async def scan(self, *, now: datetime) -> ScanCounts:
        """One pass: the warnings, breaches and auto-closes due at ``now``, each in its own
        unit of work (one complaint's failure does not hold back the others)."""
        # no deadline after this one can be in its warning period yet
        horizon = self.policy.calendar.add_working_days(now, self.policy.warning_days)
        async with self.runtime.engine.connect() as conn:
            todo = [(m, complaint_id, due) for m in Milestone
                    for complaint_id, due in await repository.sla_candidates(
                        conn, m, now=now, horizon=horizon)]
            lapsed = await repository.lapsed(conn, now=now)
        warning = breached = closed = 0
        for milestone, complaint_id, due in todo:
            if due < now:
                breached += await self._breach(complaint_id, milestone, due, now)
            elif self.policy.warning_time(due) <= now:
                warning += await self._warn(complaint_id, milestone, due, now)
        for complaint_id in lapsed:
            closed += await self._auto_close(complaint_id, now)
        counts = ScanCounts(warning, breached, closed, examined=len(todo))
        if warning or breached or closed:
            log.info("sla.scan", warning=warning, breached=breached, closed=closed)
        return counts

    async def _warn(self, complaint_id: str, milestone: Milestone, due: datetime,
                    now: datetime) -> int:
        async with self.runtime.unit_of_work() as uow:
            record = await repository.get_complaint(uow.conn, complaint_id, lock=True)
            if record is None or not await repository.claim_emission(
                    uow.conn, complaint_id=complaint_id, milestone=milestone, kind="warning",
                    due=due, now=now):
                return 0
            warned = uow.publish(ComplaintSlaWarning(
                complaint_id=record.id, agency_id=record.agency_id,
                category_code=record.category_code, occurred_at=now,
                deadline=deadline_kind(milestone), due_at=due))
            await self._tell_agency(uow, record, "warning", milestone, due, now, warned.id)
        return 1

    async def _tell_agency(self, uow: UnitOfWork, record: ComplaintRecord,
                           kind: Literal["warning", "breach"], milestone: Milestone,
                           due: datetime, now: datetime, cause_id: str | None) -> None:
        """The warning or breach to the agency's notification address, if it has one."""
        agency = await repository.get_agency(uow.conn, record.agency_id)
        if agency is None or not agency.notification_email:
            return
        uow.publish(sla_reminder(
            agency_id=agency.id, address=agency.notification_email,
            tracking_code=record.tracking_code, complaint_id=record.id, kind=kind,
            deadline=deadline_kind(milestone), due_at=due, occurred_at=now,
            cause_id=cause_id))

    async def _breach(self, complaint_id: str, milestone: Milestone, due: datetime,
                      now: datetime) -> int:
        async with self.runtime.unit_of_work() as uow:
            record = await repository.get_complaint(uow.conn, complaint_id, lock=True)
            if record is None or not await repository.claim_emission(
                    uow.conn, complaint_id=complaint_id, milestone=milestone, kind="breached",
                    due=due, now=now):
                return 0
            complaint = repository.to_domain(
                record, self.policy, await repository.latest_rating(uow.conn, record.id))
            try:
                complaint.escalate(SYSTEM, now, milestone)
            except domain.ComplaintError as exc:  # met or escalated meanwhile: keep the claim
                log.info("sla.not_escalated", complaint_id=record.id, milestone=str(milestone),
                         reason=str(exc))
                return 0
            await self._save(uow, record, complaint, now)
            await self._tell_agency(uow, record, "breach", milestone, due, now, None)
        return 1

    async def _auto_close(self, complaint_id: str, now: datetime) -> int:
        async with self.runtime.unit_of_work() as uow:
            record = await repository.get_complaint(uow.conn, complaint_id, lock=True)
            if record is None:
                return 0
            complaint = repository.to_domain(
                record, self.policy, await repository.latest_rating(uow.conn, record.id))
            try:
                complaint.close(SYSTEM, now, note=AUTO_CLOSE_NOTE)
            except domain.ComplaintError:
                return 0  # the citizen answered or reopened in the meantime
            await self._save(uow, record, complaint, now)
        return 1

    async def _save(self, uow: UnitOfWork, record: ComplaintRecord,
                    complaint: domain.Complaint, now: datetime) -> None:
        await repository.save_state(uow.conn, complaint, now)
        contact = contact_of(record, phone_channel=self.settings.phone_channel)
        record_changes(uow, complaint, facts=facts_of(record), contact=contact,
                       links=Links.of(self.settings))


class AnswerPurge:
    """Deletes the stored answers of filings older than the TTL."""

    def __init__(self, *, runtime: ServiceRuntime, settings: ComplaintsSettings) -> None:
        self.runtime = runtime
        self.settings = settings

    async def purge(self, *, now: datetime) -> int:
        """Delete the answers older than the TTL; returns how many."""
        cutoff = now - timedelta(hours=self.settings.idempotency_ttl_hours)
        async with self.runtime.unit_of_work() as uow:
            purged = await repository.purge_idempotent(uow.conn, before=cutoff)
        if purged:
            log.info("idempotency.purged", keys=purged)
        return purged


@dataclass(frozen=True)
class RetentionCounts:
    contacts_erased: int = 0
    push_requests_purged: int = 0


class ContactRetention:
    """Erases the reporter's contact past ``contact_retention_days`` in a terminal status, and
    forgets the push requests' token hashes past ``PUSH_REQUEST_DAYS``."""

    def __init__(self, *, runtime: ServiceRuntime, settings: ComplaintsSettings) -> None:
        self.runtime = runtime
        self.settings = settings

    async def erase(self, *, now: datetime) -> RetentionCounts:
        """One pass, a unit of work per batch of ``ERASE_BATCH`` complaints (a long backlog
        never holds one long transaction); logs the counts only."""
        cutoff = now - timedelta(days=self.settings.contact_retention_days)
        erased = 0
        while True:
            async with self.runtime.unit_of_work() as uow:
                batch = await repository.erase_contacts(uow.conn, before=cutoff, now=now,
                                                        limit=ERASE_BATCH)
            erased += batch
            if batch < ERASE_BATCH:
                break
        async with self.runtime.unit_of_work() as uow:
            purged = await repository.purge_push_requests(
                uow.conn, before=now - timedelta(days=PUSH_REQUEST_DAYS))
        if erased or purged:
            log.info("contact.retention", contacts_erased=erased, push_requests_purged=purged)
        return RetentionCounts(erased, purged)
