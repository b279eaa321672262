"""Messages to citizens and officers: accept a request, send what is due, record what the
provider said, delivery reports, preferences, the staff view, erasure.

Delivery guarantee. A request is stored in the consumer's transaction, with its inbox claim
(``accept``): once the offset moves on, the message is in the database. Sending happens
outside any transaction, in three steps: ``claim`` leases due messages (one unit of work),
``send`` hands them to the providers (no database), ``record`` stores the outcomes and
publishes ``notification.delivered`` / ``notification.failed`` (one unit of work). A crash
after the provider accepted a message and before ``record`` committed sends it again once the
lease (``SUARA_NOTIFICATIONS_SENDER_LEASE_S``, 60 s) has expired: that is the only duplicate,
and it carries the same Message-ID / idempotency key (the notification id) as the first.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from services.notifications.channels.base import Channel, Outgoing
from services.notifications.domain import messages as rules
from services.notifications.domain.messages import Outcome, Status
from services.notifications.errors import invalid
from services.notifications.keys import Keys
from services.notifications.rendering import Rendered, Renderer, TemplateError
from services.notifications.repository import messages as repo
from services.notifications.repository import webhooks as webhook_repo
from services.notifications.settings import NotificationsSettings
from shared.errors import NotFound
from shared.events.notifications import (
    FailureReason,
    NotificationChannel,
    NotificationDelivered,
    NotificationFailed,
    NotificationRequested,
)
from shared.runtime import ServiceRuntime
from shared.types import AnyRow
from shared.uow import UnitOfWork

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Accepted:
    message_id: str
    status: Status
    duplicate_request: bool = False


@dataclass(frozen=True)
class Job:
    """One send: a message, or a daily digest of several (``ids``)."""

    id: str  # the Message-ID / idempotency key
    ids: tuple[str, ...]
    channel: str
    fallbacks: tuple[str, ...]
    recipient: str
    kind: str
    locale: str
    variables: Mapping[str, Any]
    timezone: str | None
    attempts: int
    audience: str
    complaint_id: str | None
    recipient_key: str


@dataclass(frozen=True)
class Attempted:
    job: Job
    outcome: Outcome


@dataclass(frozen=True)
class MessageView:
    id: str
    channel: str
    template_name: str
    locale: str
    audience: str
    status: str
    attempts: int
    reason: str | None
    requested_at: datetime
    sent_at: datetime | None
    final_at: datetime | None


@dataclass
class ClaimResult:
    jobs: list[Job] = field(default_factory=list)
    deferred: int = 0
    failed: int = 0


class MessageService:
    def __init__(self, *, runtime: ServiceRuntime, settings: NotificationsSettings,
                 channels: Mapping[str, Channel], renderer: Renderer, keys: Keys,
                 clock: Clock) -> None:
        self.runtime = runtime
        self.settings = settings
        self.channels = dict(channels)
        self.renderer = renderer
        self.keys = keys
        self.now = clock
        self.quiet = rules.QuietHours.parse(settings.quiet_start, settings.quiet_end)
        self.wakeup = asyncio.Event()
        #: citizens' messages handed to a channel whose record has not committed yet (the
        #: sender records a batch while it sends the next): counted by the rate limit too
        self._unrecorded: dict[str, tuple[str, datetime]] = {}

    # -- intake (inside the consumer's unit of work) ------------------------------------------

    async def accept(self, uow: UnitOfWork, request: NotificationRequested) -> Accepted:
        """Store a requested message in the consumer's transaction: queued, or refused at once
        (opted out), or suppressed (the same message to the same recipient within the
        dedupe window)."""
        now = self.now()
        conn = uow.conn
        key = self.keys.recipient_key(request.recipient)
        content = rules.content_hash(request.template_name, str(request.locale),
                                     request.template_variables)
        status, reason = Status.QUEUED, None
        due: datetime | None = now
        if (request.template_name not in rules.TRANSACTIONAL
                and await repo.opted_out(conn, key, request.template_name)):
            status, reason, due = Status.FAILED, str(FailureReason.OPTED_OUT), None
        elif self.settings.dedupe_window_s and await repo.seen_recently(
                conn, recipient_key=key, content_hash=content, other_than=request.notification_id,
                since=now - timedelta(seconds=self.settings.dedupe_window_s)):
            status, reason, due = Status.SUPPRESSED, "duplicate", None
        elif request.digest == "daily":
            due = rules.next_digest_at(now, request.recipient_timezone,
                                       self.settings.digest_hour)
        final = status is not Status.QUEUED
        fresh = await repo.insert_message(conn, {
            "id": request.notification_id, "channel": str(request.channel),
            "requested_channel": str(request.channel),
            "fallback_channels": [str(c) for c in request.fallback_channels],
            "audience": request.audience, "locale": str(request.locale),
            "template_name": request.template_name,
            "recipient": None if final else request.recipient,
            "variables": None if final else dict(request.template_variables),
            "recipient_key": key, "content_hash": content,
            "timezone": request.recipient_timezone, "digest": request.digest,
            "complaint_id": request.complaint_id, "agency_id": request.agency_id,
            "invitation_id": request.invitation_id,
            "causation_event_id": request.causation_event_id,
            "status": str(status), "attempts": 0, "next_attempt_at": due, "lease_until": None,
            "provider_id": None, "reason": reason, "digest_of": None,
            "requested_at": request.occurred_at, "created_at": now, "sent_at": None,
            "final_at": now if final else None, "erased_at": now if final else None,
        })
        if not fresh:
            return Accepted(request.notification_id, Status.QUEUED, duplicate_request=True)
        if status is Status.FAILED:
            uow.publish(NotificationFailed(
                notification_id=request.notification_id, channel=request.channel,
                reason=FailureReason.OPTED_OUT, attempts=0, occurred_at=now))
        if status is Status.QUEUED:
            asyncio.get_running_loop().call_later(0.01, self.wakeup.set)
        return Accepted(request.notification_id, status)

    # -- the sender's three steps ---------------------------------------------------------------

    async def claim(self) -> ClaimResult:
        """Lease the messages due now (one unit of work); defer those in quiet hours or over
        the recipient's rate limit; fail those whose address was erased."""
        now = self.now()
        s = self.settings
        lease = now + timedelta(seconds=s.sender_lease_s)
        result = ClaimResult()
        async with self.runtime.unit_of_work() as uow:
            rows = await repo.claim_due(uow.conn, now=now, lease_until=lease,
                                        limit=s.sender_batch)
            recent = await repo.recent_sends(
                uow.conn, [r.recipient_key for r in rows if r.audience == "citizen"],
                now - timedelta(hours=1))
            stale = now - timedelta(seconds=s.sender_lease_s)
            for mid, (key, at) in list(self._unrecorded.items()):
                if at < stale:
                    del self._unrecorded[mid]
                else:
                    recent.setdefault(key, []).append(at)
            taken: set[str] = set()
            for row in rows:
                if row.id in taken:
                    continue
                taken.add(row.id)
                if row.recipient is None:  # erased on request before it could be sent
                    await self._fail(uow, [row.id], row.channel, FailureReason.EXPIRED,
                                     row.attempts, now)
                    result.failed += 1
                    continue
                group = [row]
                if row.digest == "daily":  # the recipient's other daily messages due
                    same = (row.recipient_key, row.channel, row.locale)
                    group += [m for m in rows if m.id not in taken and m.digest == "daily"
                              and (m.recipient_key, m.channel, m.locale) == same]
                    group += [m for m in await repo.digest_members(
                        uow.conn, recipient_key=row.recipient_key, channel=row.channel,
                        locale=row.locale, now=now, lease_until=lease) if m.id not in taken]
                    taken.update(m.id for m in group)
                later = self._not_before(row, now, recent)
                if later is not None:
                    await repo.update_many(uow.conn, [m.id for m in group],
                                           next_attempt_at=later, lease_until=None)
                    result.deferred += 1
                    continue
                result.jobs.append(self._job(group))
        return result

    def _not_before(self, row: AnyRow, now: datetime,
                    recent: dict[str, list[datetime]]) -> datetime | None:
        if row.channel in rules.QUIET_CHANNELS:
            allowed = self.quiet.next_allowed(now, row.timezone)
            if allowed > now:
                return allowed
        if row.audience == "citizen":
            sends = recent.setdefault(row.recipient_key, [])
            until = rules.rate_limited_until(sends, now,
                                             per_hour=self.settings.rate_limit_per_hour)
            if until is not None:
                return until
            sends.append(now)
            self._unrecorded[row.id] = (row.recipient_key, now)
        return None

    def _job(self, group: list[AnyRow]) -> Job:
        first = group[0]
        if len(group) == 1 and first.digest != "daily":
            return Job(id=first.id, ids=(first.id,), channel=first.channel,
                       fallbacks=tuple(self._fallbacks(first)), recipient=first.recipient,
                       kind=first.template_name, locale=first.locale,
                       variables=first.variables or {}, timezone=first.timezone,
                       attempts=first.attempts, audience=first.audience,
                       complaint_id=first.complaint_id, recipient_key=first.recipient_key)
        ids = tuple(sorted(m.id for m in group))
        digest_id = "digest-" + hashlib.sha256("|".join(ids).encode()).hexdigest()[:32]
        items = [dict(m.variables or {}) for m in group]
        return Job(id=digest_id, ids=ids, channel=first.channel, fallbacks=(),
                   recipient=first.recipient, kind="sla_digest", locale=first.locale,
                   variables={"items": items}, timezone=first.timezone,
                   attempts=max(m.attempts for m in group), audience=first.audience,
                   complaint_id=None, recipient_key=first.recipient_key)

    def _fallbacks(self, row: AnyRow) -> list[str]:
        chain = [row.requested_channel, *row.fallback_channels]
        return chain[chain.index(row.channel) + 1:] if row.channel in chain else []

    def render(self, job: Job) -> tuple[Rendered, str | None]:
        unsubscribe = None
        if job.kind not in rules.TRANSACTIONAL and job.audience == "citizen":
            unsubscribe = self.keys.unsubscribe_url(self.settings.public_base,
                                                    job.recipient_key, job.kind)
        variables = {**job.variables, "unsubscribe_url": unsubscribe}
        return self.renderer.render(job.kind, job.locale, variables,
                                    timezone=job.timezone), unsubscribe

    async def send(self, jobs: Sequence[Job]) -> list[Attempted]:
        """Hand each job to its channel, concurrently (no database here)."""
        return list(await asyncio.gather(*(self._send_one(job) for job in jobs)))

    async def _send_one(self, job: Job) -> Attempted:
        channel = self.channels.get(job.channel)
        if channel is None:
            return Attempted(job, Outcome(ok=False, reason="rejected_by_provider"))
        try:
            rendered, unsubscribe = self.render(job)
        except TemplateError:
            return Attempted(job, Outcome(ok=False, reason=str(FailureReason.TEMPLATE_ERROR)))
        data = {"kind": job.kind} | ({"complaint_id": job.complaint_id}
                                     if job.complaint_id else {})
        outgoing = Outgoing(id=job.id, channel=job.channel, recipient=job.recipient,
                            rendered=rendered, unsubscribe_url=unsubscribe, data=data)
        return Attempted(job, await channel.send(outgoing))

    async def record(self, attempted: Sequence[Attempted]) -> None:
        """Store each attempt's outcome and publish the final ones (one unit of work)."""
        if not attempted:
            return
        now = self.now()
        plain: dict[tuple[str, int], list[str]] = {}
        async with self.runtime.unit_of_work() as uow:
            for item in attempted:
                job, outcome = item.job, item.outcome
                attempts = job.attempts + 1
                nxt = rules.after_attempt(outcome=outcome, channel=job.channel,
                                          fallbacks=list(job.fallbacks), attempts=attempts,
                                          max_attempts=self.settings.max_attempts, now=now)
                if nxt.status is Status.SENT:
                    final = rules.is_final(Status.SENT, job.channel)
                    digest = job.id if len(job.ids) > 1 or job.id != job.ids[0] else None
                    if job.channel == "email" and digest is None:  # id = Message-ID: batched
                        plain.setdefault((job.channel, attempts), []).append(job.id)
                    else:
                        await repo.update_many(
                            uow.conn, job.ids, status=str(Status.SENT), attempts=attempts,
                            channel=job.channel, sent_at=now, lease_until=None,
                            next_attempt_at=None, provider_id=outcome.provider_id,
                            reason=None, final_at=now if final else None, digest_of=digest)
                    for mid in job.ids:
                        uow.publish(NotificationDelivered(
                            notification_id=mid, channel=NotificationChannel(job.channel),
                            attempts=attempts, occurred_at=now, stage="accepted"))
                elif nxt.status is Status.QUEUED:
                    await repo.update_many(uow.conn, job.ids, status=str(Status.QUEUED),
                                           attempts=nxt.attempts, channel=nxt.channel,
                                           next_attempt_at=nxt.next_attempt_at,
                                           lease_until=None, reason=nxt.reason)
                else:
                    await self._fail(uow, job.ids, job.channel,
                                     FailureReason(nxt.reason or "rejected_by_provider"),
                                     attempts, now)
            for (channel, attempts), ids in plain.items():
                await repo.update_many(
                    uow.conn, ids, status=str(Status.SENT), attempts=attempts, channel=channel,
                    sent_at=now, lease_until=None, next_attempt_at=None, provider_id=None,
                    reason=None, final_at=now, digest_of=None)
        for item in attempted:  # committed: the database counts them from now on
            for mid in item.job.ids:
                self._unrecorded.pop(mid, None)

    async def _fail(self, uow: UnitOfWork, ids: Sequence[str], channel: str,
                    reason: FailureReason, attempts: int, now: datetime) -> None:
        status = Status.BOUNCED if reason is FailureReason.BOUNCED else Status.FAILED
        await repo.update_many(uow.conn, ids, status=str(status), attempts=attempts,
                               lease_until=None, next_attempt_at=None, reason=str(reason),
                               final_at=now)
        for mid in ids:
            uow.publish(NotificationFailed(
                notification_id=mid, channel=NotificationChannel(channel), reason=reason,
                attempts=attempts, occurred_at=now))

    async def close(self) -> None:
        for channel in self.channels.values():
            await channel.close()

    # -- delivery reports -----------------------------------------------------------------------

    async def report_delivery(self, *, channel: str, reference: str, report: str) -> str | None:
        """A gateway's delivery report (DLR): moves a sent SMS/WhatsApp message on. Returns the
        new status, or None if the report is not final or names no message of ours."""
        status = rules.dlr_status(report)
        if status is None:
            return None
        now = self.now()
        async with self.runtime.unit_of_work() as uow:
            row = await repo.by_provider_id(uow.conn, channel, reference)
            if row is None or row.status != Status.SENT:
                return None  # unknown, or already final (a repeated report)
            await repo.update_message(uow.conn, row.id, status=str(status), final_at=now,
                                      reason=None if status is Status.DELIVERED
                                      else str(status))
            if status is Status.DELIVERED:
                uow.publish(NotificationDelivered(notification_id=row.id,
                                                  channel=NotificationChannel(row.channel),
                                                  attempts=max(row.attempts, 1),
                                                  occurred_at=now, stage="delivered"))
            else:
                reason = (FailureReason.BOUNCED if status is Status.BOUNCED
                          else FailureReason.REJECTED_BY_PROVIDER)
                uow.publish(NotificationFailed(notification_id=row.id,
                                               channel=NotificationChannel(row.channel),
                                               reason=reason, attempts=row.attempts,
                                               occurred_at=now))
        return str(status)

    # -- staff, citizens, housekeeping -----------------------------------------------------------

    async def of_complaint(self, *, complaint_id: str, agency_id: str | None,
                           admin: bool) -> list[MessageView]:
        """A complaint's messages and their status, without the address or the values, for
        staff of an agency in its disposisi chain or a platform admin (otherwise the same
        404 as a complaint that never was)."""
        async with self.runtime.engine.connect() as conn:
            if not (admin if agency_id is None
                    else agency_id in await webhook_repo.chain(conn, complaint_id)):
                raise NotFound("No such complaint.", code="complaint_not_found")
            rows = await repo.for_complaint(conn, complaint_id)
        return [MessageView(id=r.id, channel=r.channel, template_name=r.template_name,
                            locale=r.locale, audience=r.audience, status=r.status,
                            attempts=r.attempts, reason=r.reason, requested_at=r.requested_at,
                            sent_at=r.sent_at, final_at=r.final_at) for r in rows]

    def preview(self, *, kind: str, locale: str, variables: Mapping[str, Any],
                timezone: str | None) -> Rendered:
        if kind not in self.renderer.kinds():
            raise NotFound(f"No template {kind}.", code="template_not_found",
                           params={"kind": kind})
        try:
            return self.renderer.render(kind, locale, variables, timezone=timezone)
        except TemplateError as exc:
            raise invalid("variables", str(exc), "template_error") from None

    async def unsubscribe(self, *, recipient_key: str, kind: str, signature: str) -> bool:
        """Opt the recipient out of ``kind`` if the link's signature holds."""
        if not self.keys.unsubscribe_valid(recipient_key, kind, signature):
            return False
        if kind in rules.TRANSACTIONAL:
            return True  # nothing to do: these are always sent
        async with self.runtime.unit_of_work() as uow:
            await repo.set_opt_out(uow.conn, recipient_key, kind, self.now())
        return True

    async def erase(self, *, recipient: str) -> int:
        """Erase a recipient's address and values from every message now (a data subject's
        request); messages still queued fail as expired on their next turn."""
        async with self.runtime.unit_of_work() as uow:
            return await repo.erase_recipient(uow.conn, self.keys.recipient_key(recipient),
                                              self.now())

    async def purge(self) -> int:
        """Erase the contact data of messages final for longer than the retention period."""
        now = self.now()
        before = now - timedelta(days=self.settings.contact_retention_days)
        async with self.runtime.unit_of_work() as uow:
            return await repo.erase_contacts(uow.conn, final_before=before, now=now)
