"""Webhook endpoints of agencies and the signed deliveries to them (Standard Webhooks).

Delivery guarantee. An event read from a public topic is turned, in the consumer's
transaction (with its inbox claim), into one stored message per matching endpoint, holding the
exact bytes that will be signed and sent. The dispatcher leases due messages (one unit of
work), POSTs them concurrently outside any transaction, and records every attempt and the
messages' new state in batched units of work. A crash between a receiver's 2xx and that
record re-sends the message after its lease (5 x timeout + 15 s): receivers deduplicate on
``webhook-id``, which is the event id on every attempt, replay and duplicate.
"""

from __future__ import annotations

import asyncio
import secrets
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

import structlog

from services.notifications.channels.webhook_http import Answer, WebhookClient
from services.notifications.domain import webhooks as rules
from services.notifications.domain.webhooks import AddressPolicy, MessageStatus, RefusedAddress
from services.notifications.errors import invalid
from services.notifications.keys import Keys
from services.notifications.records import (
    Delivery,
    SigningEndpoint,
    StoredAttempt,
    StoredEndpoint,
    StoredMessage,
)
from services.notifications.repository import webhooks as repo
from services.notifications.schemas import WebhookCreate, WebhookUpdate
from services.notifications.settings import NotificationsSettings
from shared.errors import NotFound
from shared.events import AnyEvent, ComplaintEvent, ComplaintForwarded
from shared.events.catalogue import AgencyEvent
from shared.events.notifications import (
    Locale,
    NotificationChannel,
    NotificationRequested,
    WebhookDeliveryFailed,
    WebhookEndpointDisabled,
)
from shared.runtime import ServiceRuntime
from shared.uow import UnitOfWork

log = structlog.get_logger(__name__)
Clock = Callable[[], datetime]
MAX_IN_FLIGHT = 512
#: messages leased ahead per delivery slot of an endpoint, so that its slots never wait for a
#: claim or a record round trip
PREFETCH = 8


class EndpointNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("No such webhook endpoint.", code="webhook_not_found")


def _owned(endpoint: StoredEndpoint | None, agency_id: str | None) -> StoredEndpoint:
    """The endpoint, if it exists and is the caller's agency's (None: a platform admin's, any
    agency); else the same 404 as an endpoint that never was."""
    if endpoint is None or (agency_id is not None and endpoint.agency_id != agency_id):
        raise EndpointNotFound()
    return endpoint


@dataclass(frozen=True)
class EndpointCreated:
    """A new endpoint: ``secret`` is shown once, only its sealed form is stored."""

    endpoint: StoredEndpoint
    secret: str


@dataclass(frozen=True)
class SecretRotation:
    """A rotated secret, shown once: the previous one signs beside it until ``overlap_ends``."""

    endpoint_id: str
    secret: str
    overlap_ends: datetime


@dataclass(frozen=True)
class Result:
    delivery: Delivery
    answer: Answer
    at: datetime


@dataclass
class _Bucket:
    """A token bucket: at most ``rate`` deliveries a second to one endpoint."""

    rate: float
    tokens: float = 1.0
    stamp: float = field(default_factory=time.monotonic)

    async def take(self) -> None:
        while True:
            now = time.monotonic()
            self.tokens = min(max(self.rate, 1.0), self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
            if self.tokens >= 1:
                self.tokens -= 1
                return
            await asyncio.sleep((1 - self.tokens) / self.rate)


def agencies_concerned(event: AnyEvent) -> set[str]:
    """The agencies an event is about, before the stored disposisi chain is added."""
    data = event.data
    found = set()
    agency = getattr(data, "agency_id", None)
    if isinstance(agency, str):
        found.add(agency)
    if isinstance(data, ComplaintForwarded):
        found.add(data.from_agency_id)
    return found


class WebhookService:
    def __init__(self, *, runtime: ServiceRuntime, settings: NotificationsSettings,
                 keys: Keys, catalogue: Iterable[str], clock: Clock,
                 client: WebhookClient | None = None) -> None:
        self.runtime = runtime
        self.settings = settings
        self.keys = keys
        self.catalogue = sorted(catalogue)
        self.now = clock
        self.policy = AddressPolicy(allow_loopback=settings.allow_loopback,
                                    require_https=settings.require_https,
                                    allowed_hosts=frozenset(h.lower() for h in
                                                            settings.webhook_allowed_hosts))
        self.client = client or WebhookClient(self.policy, timeout_s=settings.webhook_timeout_s,
                                              connections=settings.webhook_endpoint_concurrency)
        self.wakeup = asyncio.Event()
        self._queued: dict[str, int] = {}  # leased here, not delivered yet, per endpoint
        self._held: set[int] = set()  # leased here, outcome not recorded yet
        self._slots: dict[str, asyncio.Semaphore] = {}
        self._failing: set[str] = set()  # endpoints whose failing_since may be set
        self._buckets: dict[str, _Bucket] = {}
        self._keys_cache: dict[tuple[str, datetime], list[bytes]] = {}
        self._results: list[Result] = []
        self._flushed = asyncio.Event()
        self._endpoints: dict[str, SigningEndpoint] = {}  # of the last claim's deliveries

    # -- endpoints --------------------------------------------------------------------------

    def _check(self, url: str | None, patterns: list[str] | None) -> list[str] | None:
        if url is not None:
            try:
                self.policy.check_url(url)
            except RefusedAddress as exc:
                raise invalid("url", f"The URL is refused: {exc}.", "refused_url") from None
        if patterns is None:
            return None
        try:
            return rules.validate_patterns(patterns, self.catalogue)
        except rules.InvalidPattern as exc:
            raise invalid("event_types", f"Unknown event type {exc}.", "unknown_event_type",
                          event_type=str(exc)) from None

    async def _resolve_check(self, url: str) -> None:
        """At creation and update: every address the host resolves to now must be allowed."""
        host = self.policy.check_url(url)[1]
        loop = asyncio.get_running_loop()
        try:
            infos = await asyncio.wait_for(loop.getaddrinfo(host, None), 5)
        except (OSError, TimeoutError):
            raise invalid("url", "The URL's host does not resolve.", "unresolvable_url") from None
        for info in infos:
            try:
                self.policy.check_address(host, str(info[4][0]))
            except RefusedAddress as exc:
                raise invalid("url", f"The URL is refused: {exc}.", "refused_url") from None

    async def create(self, *, agency_id: str, data: WebhookCreate) -> EndpointCreated:
        patterns = self._check(data.url, list(data.event_types))
        await self._resolve_check(data.url)
        now = self.now()
        secret = rules.format_secret(secrets.token_bytes(32))
        row: dict[str, Any] = {"agency_id": agency_id, "url": data.url,
               "description": data.description, "event_types": patterns,
               "ordering": data.ordering, "enabled": True, "disabled_reason": None,
               "secret_enc": self.keys.encrypt(secret), "previous_secret_enc": None,
               "previous_expires_at": None, "contact_email": data.contact_email,
               "rate_limit_per_s": data.rate_limit_per_s, "failing_since": None,
               "created_at": now, "updated_at": now}
        endpoint_id = str(uuid.uuid4())
        row["id"] = endpoint_id
        async with self.runtime.unit_of_work() as uow:
            await repo.insert_endpoint(uow.conn, row)
            stored = await repo.get_endpoint(uow.conn, endpoint_id)
        assert stored is not None
        return EndpointCreated(stored, secret)

    async def get(self, *, endpoint_id: str, agency_id: str | None) -> StoredEndpoint:
        async with self.runtime.engine.connect() as conn:
            return _owned(await repo.get_endpoint(conn, endpoint_id), agency_id)

    async def endpoints(self, *, agency_id: str | None) -> list[StoredEndpoint]:
        async with self.runtime.engine.connect() as conn:
            return await repo.list_endpoints(conn, agency_id)

    async def _change(self, endpoint_id: str, agency_id: str | None,
                      **values: Any) -> StoredEndpoint:
        async with self.runtime.unit_of_work() as uow:
            _owned(await repo.get_endpoint(uow.conn, endpoint_id), agency_id)
            if values:
                await repo.update_endpoint(uow.conn, endpoint_id, updated_at=self.now(),
                                           **values)
            changed = await repo.get_endpoint(uow.conn, endpoint_id)
        assert changed is not None
        self.wakeup.set()
        return changed

    async def update(self, *, endpoint_id: str, agency_id: str | None,
                     data: WebhookUpdate) -> StoredEndpoint:
        values = data.model_dump(exclude_unset=True)
        for name in ("url", "event_types", "ordering", "description"):
            if name in values and values[name] is None:
                raise invalid(name, "This field cannot be null.", "field_not_nullable")
        patterns = self._check(values.get("url"), values.get("event_types"))
        if "url" in values:
            await self._resolve_check(values["url"])
        if patterns is not None:
            values["event_types"] = patterns
        return await self._change(endpoint_id, agency_id, **values)

    async def set_enabled(self, *, endpoint_id: str, agency_id: str | None,
                          enabled: bool) -> StoredEndpoint:
        extra: dict[str, Any] = {"failing_since": None} if enabled else {}
        return await self._change(endpoint_id, agency_id, enabled=enabled,
                                  disabled_reason=None if enabled else "manual", **extra)

    async def delete(self, *, endpoint_id: str, agency_id: str | None) -> None:
        async with self.runtime.unit_of_work() as uow:
            _owned(await repo.get_endpoint(uow.conn, endpoint_id), agency_id)
            await repo.delete_endpoint(uow.conn, endpoint_id)
        await self.client.forget(endpoint_id)

    async def rotate_secret(self, *, endpoint_id: str, agency_id: str | None
                            ) -> SecretRotation:
        """A new secret signs from now on; the current one keeps signing beside it for the
        overlap (24 h): two signatures in ``webhook-signature`` meanwhile."""
        secret = rules.format_secret(secrets.token_bytes(32))
        now = self.now()
        until = now + timedelta(hours=self.settings.webhook_rotation_overlap_hours)
        async with self.runtime.unit_of_work() as uow:
            current = await repo.signing_endpoint(uow.conn, endpoint_id)
            if current is None:
                raise EndpointNotFound()
            _owned(current.endpoint, agency_id)
            await repo.update_endpoint(uow.conn, endpoint_id, secret_enc=self.keys.encrypt(
                secret), previous_secret_enc=current.secret_enc, previous_expires_at=until,
                updated_at=now)
        return SecretRotation(endpoint_id=endpoint_id, secret=secret, overlap_ends=until)

    async def send_test(self, *, endpoint_id: str, agency_id: str | None) -> str:
        """Queue a ``webhook.test`` event for the endpoint alone."""
        now = self.now()
        event_id = str(uuid.uuid4())
        body = (f'{{"specversion":"1.0","id":"{event_id}","source":"'
                f'{self.settings.source_uri}","type":"webhook.test","time":"'
                f'{now.isoformat()}","subject":"{endpoint_id}","datacontenttype":'
                f'"application/json","data":{{"endpoint_id":"{endpoint_id}",'
                f'"message":"Suara webhook test"}}}}').encode()
        async with self.runtime.unit_of_work() as uow:
            _owned(await repo.get_endpoint(uow.conn, endpoint_id), agency_id)
            await repo.insert_messages(uow.conn, [self._message(endpoint_id, event_id,
                                                                "webhook.test", endpoint_id,
                                                                body, now)])
        self.wakeup.set()
        return event_id

    # -- visibility and recovery --------------------------------------------------------------

    async def messages(self, *, endpoint_id: str, agency_id: str | None, status: str | None,
                       limit: int) -> list[StoredMessage]:
        await self.get(endpoint_id=endpoint_id, agency_id=agency_id)
        async with self.runtime.engine.connect() as conn:
            return await repo.list_messages(conn, endpoint_id, status=status, limit=limit,
                                            before_seq=None)

    async def attempts(self, *, endpoint_id: str, agency_id: str | None,
                       event_id: str | None, limit: int) -> list[StoredAttempt]:
        await self.get(endpoint_id=endpoint_id, agency_id=agency_id)
        async with self.runtime.engine.connect() as conn:
            seq = None
            if event_id is not None:
                seq = await repo.message_seq_of(conn, endpoint_id, event_id)
                if seq is None:
                    raise NotFound("No such message.", code="message_not_found")
            return await repo.attempts_of(conn, endpoint_id, message_seq=seq, limit=limit)

    async def replay(self, *, endpoint_id: str, agency_id: str | None, event_id: str) -> int:
        await self.get(endpoint_id=endpoint_id, agency_id=agency_id)
        async with self.runtime.unit_of_work() as uow:
            n = await repo.requeue(uow.conn, endpoint_id, now=self.now(), event_id=event_id)
        if not n:
            raise NotFound("No such message.", code="message_not_found")
        self.wakeup.set()
        return n

    async def recover(self, *, endpoint_id: str, agency_id: str | None,
                      since: datetime) -> int:
        await self.get(endpoint_id=endpoint_id, agency_id=agency_id)
        async with self.runtime.unit_of_work() as uow:
            n = await repo.requeue(uow.conn, endpoint_id, now=self.now(), failed_since=since)
        self.wakeup.set()
        return n

    async def purge(self) -> int:
        before = self.now() - timedelta(days=self.settings.webhook_attempts_kept_days)
        async with self.runtime.unit_of_work() as uow:
            return await repo.purge_attempts(uow.conn, before)

    # -- fan-out (inside the consumer's unit of work) -------------------------------------------

    def _message(self, endpoint_id: str, event_id: str, event_type: str, subject: str,
                 body: bytes, now: datetime) -> dict[str, Any]:
        return {"endpoint_id": endpoint_id, "event_id": event_id, "event_type": event_type,
                "subject": subject, "body": body, "status": MessageStatus.PENDING,
                "attempts": 0, "next_attempt_at": now, "lease_until": None,
                "last_status_code": None, "created_at": now, "updated_at": now}

    async def fan_out(self, uow: UnitOfWork, event: AnyEvent) -> int:
        """Queue the event for every matching endpoint of the agencies it concerns: for a
        complaint, every agency of its disposisi chain (kept here from the events)."""
        now = self.now()
        agencies = agencies_concerned(event)
        data = event.data
        if isinstance(data, ComplaintEvent):
            known = await repo.chain(uow.conn, data.complaint_id)
            if agencies - known:
                await repo.add_to_chain(uow.conn, data.complaint_id, agencies - known, now)
            agencies |= known
        elif not isinstance(data, AgencyEvent) and not agencies:
            return 0
        endpoints = [endpoint_id for endpoint_id, patterns
                     in (await repo.endpoints_for(uow.conn, agencies)).items()
                     if rules.matches(patterns, event.type)]
        if not endpoints:
            return 0
        body = event.model_dump_json().encode()
        await repo.insert_messages(uow.conn, [
            self._message(endpoint_id, event.id, event.type, event.subject, body, now)
            for endpoint_id in endpoints])
        asyncio.get_running_loop().call_later(0.01, self.wakeup.set)
        return len(endpoints)

    # -- the dispatcher -----------------------------------------------------------------------

    async def claim(self, limit: int) -> list[Delivery]:
        """Lease due messages (one unit of work): per endpoint, at most ``PREFETCH`` times its
        delivery slots, counting those already leased here. A slow endpoint's backlog never
        takes the others' turns, and a fast one's slots never wait for the database."""
        now = self.now()
        cap = self.settings.webhook_endpoint_concurrency
        most = cap * PREFETCH
        full = [e for e, n in self._queued.items() if n >= most]
        taken: list[Delivery] = []
        async with self.runtime.unit_of_work() as uow:
            due = await repo.due_messages(uow.conn, now=now, limit=limit, skip_endpoints=full)
            room: dict[str, int] = {}
            for d in due:
                free = room.setdefault(d.endpoint_id, most - self._queued.get(d.endpoint_id, 0))
                if free <= 0 or d.seq in self._held:
                    continue
                room[d.endpoint_id] = free - 1
                taken.append(d)
            # long enough for the whole prefetch to be tried, one slot-round after another
            hold = self.settings.webhook_timeout_s * (PREFETCH + 1) + 15
            await repo.lease(uow.conn, [d.seq for d in taken], now + timedelta(seconds=hold))
            endpoints = await repo.signing_endpoints(uow.conn, {d.endpoint_id for d in taken})
        for d in taken:
            self._queued[d.endpoint_id] = self._queued.get(d.endpoint_id, 0) + 1
            self._held.add(d.seq)
        self._failing.update(e.endpoint.id for e in endpoints.values()
                             if e.endpoint.failing_since is not None)
        self._endpoints = endpoints
        return taken

    def _signing_keys(self, target: SigningEndpoint, now: datetime) -> list[bytes]:
        endpoint = target.endpoint
        cache_key = (endpoint.id, endpoint.updated_at)
        keys = self._keys_cache.get(cache_key)
        if keys is None:
            keys = [rules.secret_bytes(self.keys.decrypt(target.secret_enc))]
            if target.previous_secret_enc is not None and endpoint.previous_expires_at:
                keys.append(rules.secret_bytes(self.keys.decrypt(target.previous_secret_enc)))
            self._keys_cache[cache_key] = keys
        if len(keys) > 1 and not (endpoint.previous_expires_at
                                  and endpoint.previous_expires_at > now):
            return keys[:1]
        return keys

    async def deliver(self, delivery: Delivery, target: SigningEndpoint) -> Result:
        """One signed POST (no database)."""
        endpoint = target.endpoint
        now = self.now()
        bucket = self._buckets.get(endpoint.id)
        rate = endpoint.rate_limit_per_s or self.settings.webhook_endpoint_rate_per_s
        if bucket is None or bucket.rate != rate:
            bucket = self._buckets[endpoint.id] = _Bucket(rate)
        await bucket.take()
        # Wall time on purpose, not self.now(): receivers refuse a webhook-timestamp more than
        # 5 minutes from their own clock (docs/webhooks.md), so a driven clock (the tests')
        # would sign every message "too old". self.now() decides retries and leases.
        timestamp = int(time.time())
        headers = {"content-type": "application/json",
                   "webhook-id": delivery.event_id,
                   "webhook-timestamp": str(timestamp),
                   "webhook-signature": rules.signature_header(
                       self._signing_keys(target, now), delivery.event_id, timestamp,
                       delivery.body),
                   "user-agent": "Suara-Webhooks/1"}
        answer = await self.client.post(endpoint.url, delivery.body, headers, pool=endpoint.id)
        return Result(delivery, answer, self.now())

    async def record(self, results: list[Result]) -> None:
        """Store a batch of attempts and the messages' and endpoints' new state (one unit of
        work): success, retry later, given up (``webhook.delivery_failed``), endpoint
        disabled (410 Gone, or failing for days: ``webhook.endpoint_disabled``)."""
        if not results:
            return
        now = self.now()
        s = self.settings
        async with self.runtime.unit_of_work() as uow:
            await repo.insert_attempts(uow.conn, [
                {"message_seq": r.delivery.seq, "endpoint_id": r.delivery.endpoint_id,
                 "attempted_at": r.at, "status_code": r.answer.status_code,
                 "latency_ms": r.answer.latency_ms, "response_excerpt": r.answer.excerpt,
                 "error_class": r.answer.error_class} for r in results])
            by_code: dict[int, list[int]] = {}
            healthy: set[str] = set()
            failing: set[str] = set()
            gone: set[str] = set()
            for r in results:
                d, a = r.delivery, r.answer
                attempt = rules.AttemptResult(a.status_code, a.error_class)
                if attempt.ok:
                    assert a.status_code is not None
                    by_code.setdefault(a.status_code, []).append(d.seq)
                    healthy.add(d.endpoint_id)
                    continue
                failing.add(d.endpoint_id)
                if attempt.gone:
                    gone.add(d.endpoint_id)
                retry_after = (rules.parse_retry_after(a.retry_after, now)
                               if a.status_code in rules.RETRY_AFTER_STATUSES else None)
                wait = None if attempt.gone else rules.next_attempt_delay(
                    d.attempts + 1, retry_after=retry_after)
                if wait is None:
                    settled = await repo.settle(
                        uow.conn, d.seq, status=MessageStatus.FAILED, attempts=d.attempts + 1,
                        lease_until=None, next_attempt_at=None,
                        last_status_code=a.status_code, updated_at=now)
                    if settled:
                        uow.publish(WebhookDeliveryFailed(
                            subscription_id=d.endpoint_id, event_id=d.event_id,
                            failed_event_type=d.event_type, attempts=d.attempts + 1,
                            last_status_code=a.status_code, occurred_at=now))
                else:
                    await repo.settle(uow.conn, d.seq, attempts=d.attempts + 1,
                                      next_attempt_at=now + wait, lease_until=None,
                                      last_status_code=a.status_code, updated_at=now)
            for code, seqs in by_code.items():
                await repo.succeeded(uow.conn, seqs, code, now)
            recovered = sorted(healthy & self._failing)  # most batches: none, no statement
            await repo.mark_healthy(uow.conn, recovered)
            self._failing.difference_update(recovered)
            self._failing.update(failing - healthy)
            await repo.mark_failing(uow.conn, sorted(failing - healthy), now)
            after = timedelta(days=s.webhook_disable_after_days)
            for endpoint_id in sorted(failing - healthy):
                endpoint = await repo.get_endpoint(uow.conn, endpoint_id)
                if endpoint is None or not endpoint.enabled:
                    continue
                if endpoint_id in gone:
                    await self._disable(uow, endpoint, "gone", now)
                elif rules.should_disable(endpoint.failing_since, now, after):
                    await self._disable(uow, endpoint, "failing", now)

    async def _disable(self, uow: UnitOfWork, endpoint: StoredEndpoint,
                       reason: Literal["gone", "failing"], now: datetime) -> None:
        e = endpoint
        await repo.update_endpoint(uow.conn, e.id, enabled=False, disabled_reason=reason,
                                   updated_at=now)
        uow.publish(WebhookEndpointDisabled(subscription_id=e.id, agency_id=e.agency_id,
                                            url=e.url, reason=reason,
                                            failing_since=e.failing_since, occurred_at=now))
        log.warning("webhook.endpoint_disabled", endpoint=e.id, agency=e.agency_id,
                    reason=reason)
        if e.contact_email:  # the agency's contact hears it from us, as any message
            variables: dict[str, str | int | float | bool | None] = {
                "endpoint_id": e.id, "endpoint_url": e.url, "reason": reason}
            if e.failing_since is not None:
                variables["failing_since"] = e.failing_since.isoformat()
            uow.publish(NotificationRequested(
                notification_id=str(uuid.uuid5(uuid.NAMESPACE_URL,
                                               f"webhook-disabled:{e.id}:{now.isoformat()}")),
                channel=NotificationChannel.EMAIL, recipient=e.contact_email,
                audience="officer", locale=Locale.ID, template_name="webhook_endpoint_disabled",
                template_variables=variables, agency_id=e.agency_id, occurred_at=now))

    async def dispatch_forever(self, stopping: asyncio.Event) -> None:
        """Claim, deliver concurrently (per-endpoint slots), record in batches, until the
        service stops."""
        tasks: set[asyncio.Task[None]] = set()
        flusher = asyncio.create_task(self._flush_loop(stopping))
        try:
            while not stopping.is_set():
                room = MAX_IN_FLIGHT - len(tasks)
                claimed = await self.claim(min(room, self.settings.webhook_batch)) if room else []
                for d in claimed:
                    task = asyncio.create_task(self._one(d, self._endpoints[d.endpoint_id]))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
                if len(tasks) >= MAX_IN_FLIGHT:
                    await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
                elif not claimed or len(claimed) < self.settings.webhook_batch:
                    await _nap(stopping, self.wakeup, 0.25)
        finally:
            if tasks:
                await asyncio.wait(tasks, timeout=self.settings.webhook_timeout_s + 1)
            stopping.set()
            await flusher
            await self.client.close()

    async def _one(self, delivery: Delivery, target: SigningEndpoint) -> None:
        slots = self._slots.get(delivery.endpoint_id)
        if slots is None:
            slots = self._slots[delivery.endpoint_id] = asyncio.Semaphore(
                self.settings.webhook_endpoint_concurrency)
        try:
            async with slots:
                result = await self.deliver(delivery, target)
        except Exception as exc:  # noqa: BLE001 - recorded as a failed attempt, never lost
            result = Result(delivery, Answer(None, 0.0, None, None, type(exc).__name__),
                            self.now())
        left = self._queued.get(delivery.endpoint_id, 1) - 1
        if left > 0:
            self._queued[delivery.endpoint_id] = left
        else:
            self._queued.pop(delivery.endpoint_id, None)
        self._results.append(result)
        self._flushed.set()
        if left <= self.settings.webhook_endpoint_concurrency * PREFETCH // 2:
            self.wakeup.set()  # half the endpoint's prefetch is gone: top it up

    async def _flush_loop(self, stopping: asyncio.Event) -> None:
        while True:
            if not self._results:
                if stopping.is_set():
                    return
                await _nap(stopping, self._flushed, 0.25)
                continue
            # let the batch grow: one transaction records many attempts (up to 20 ms more
            # before a per_subject successor may go; the leases cover the wait)
            for _ in range(4):
                if len(self._results) >= 64:
                    break
                await asyncio.sleep(0.005)
            batch, self._results = self._results, []
            try:
                await self.record(batch)
            except Exception as exc:  # the leases expire: these are sent again later
                log.error("webhook.record_failed", error=type(exc).__name__, exc_info=exc)
                await asyncio.sleep(1.0)
            finally:
                self._held.difference_update(r.delivery.seq for r in batch)
            self.wakeup.set()  # per_subject successors are due now


async def _nap(stopping: asyncio.Event, wakeup: asyncio.Event, seconds: float) -> None:
    waiters = [asyncio.ensure_future(stopping.wait()), asyncio.ensure_future(wakeup.wait())]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waiters:
            w.cancel()
    wakeup.clear()
