"""The complaints use cases: filing, the staff's reads and lifecycle steps, the reporter's.

Each use case is a keyword-only method that opens exactly one unit of work (a filing: a
grouped one), changes state through the domain, writes its events to the outbox in that
transaction, and returns a result object (``results.py``); none commits by hand, shapes HTTP
or raises anything but the service's errors (``errors.py``). A staff step reads the caller's
scope, the complaint and its timeline, acts, and answers from what it read and wrote: one
connection, one scope lookup.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from services.complaints import access, domain, repository, sealing, tracking
from services.complaints.attributes import validate_attributes
from services.complaints.errors import (
    ComplaintNotFound,
    InvalidCursor,
    InvalidTrackingToken,
    UnprocessableField,
    from_domain,
)
from services.complaints.links import Links
from services.complaints.mapping import Contact, Facts
from services.complaints.records import (
    AttachmentRecord,
    CategoryRecord,
    ComplaintRecord,
    ListFilters,
    RatingRecord,
    Timeline,
)
from services.complaints.schemas import AttachmentIn, ComplaintCreate
from services.complaints.service.catalogue import CatalogueService
from services.complaints.service.changes import (
    contact_of,
    facts_of,
    record_changes,
)
from services.complaints.service.clock import Clock
from services.complaints.service.results import ComplaintDetails, ComplaintPage, FilingReceipt
from services.complaints.settings import ComplaintsSettings
from services.complaints.sla import Complexity, Deadlines, SlaPolicy
from shared.auth import Principal
from shared.errors import Conflict
from shared.events.complaints import PrivacyMode
from shared.runtime import ServiceRuntime
from shared.uow import UnitOfWork

#: A lifecycle step, applied to the complaint by the one who acts, at a moment.
Step = Callable[[domain.Complaint, domain.Actor, datetime], None]


@dataclass(frozen=True)
class ListQuery:
    """The staff list's filters (all optional) and page."""

    filters: ListFilters
    cursor: str | None = None
    limit: int = 50


class ComplaintService:
    def __init__(self, *, runtime: ServiceRuntime, settings: ComplaintsSettings,
                 policy: SlaPolicy, catalogue: CatalogueService, clock: Clock) -> None:
        self.runtime = runtime
        self.settings = settings
        self.policy = policy
        self.catalogue = catalogue
        self.now = clock
        self.links = Links.of(settings)

    # -- intake ------------------------------------------------------------------------------

    async def file(self, *, data: ComplaintCreate, actor: domain.Actor,
                   idempotency_key: str | None) -> FilingReceipt:
        """File a complaint. A retry with the same Idempotency-Key (or client id) and body
        replays the first answer; the token only to a caller holding that key (``sealing``).
        With another body an officer's key is a 422; a citizen's key is scoped to its body.

        The happy path reads nothing but the (cached) catalogue: the filing is written
        optimistically (with concurrent filings, in one group-committed transaction) and a
        taken key, id or tracking code shows up as a unique-constraint violation, which is when
        the stored answer is read."""
        request_hash = hashlib.sha256(data.model_dump_json().encode()).hexdigest()
        retry = _retry_of(data, actor, idempotency_key, request_hash)
        try:
            category = (await self.catalogue.filing_entry(data.category_code)).category
            attributes = validate_attributes(category.attributes, data.attributes)
        except UnprocessableField:
            # the catalogue may have changed since the first attempt: its answer still holds
            if retry and (replay := await self._replay(retry, request_hash)):
                return replay
            raise
        for _ in range(3):
            try:
                async with self.runtime.grouped_unit_of_work() as uow:
                    receipt = self._file(uow, data, actor, category, attributes)
                    if retry:
                        repository.save_idempotent(uow, scope=retry.scope, key=retry.row,
                                                   request_hash=request_hash, status_code=201,
                                                   response=_stored(receipt, retry),
                                                   now=receipt.filed_at)
                return receipt
            except IntegrityError:
                # a request with the same key or id was first (replay its answer), or the new
                # tracking code was taken (draw another)
                if retry and (replay := await self._replay(retry, request_hash)):
                    return replay
                if data.id and await self._exists(data.id):
                    raise Conflict("A complaint with this id already exists.",
                                   code="duplicate_id", extra={"field": "id"}) from None
        raise Conflict("The complaint could not be stored; send it again.",
                       code="intake_conflict")

    async def _replay(self, retry: _Retry, request_hash: str) -> FilingReceipt | None:
        async with self.runtime.engine.connect() as conn:
            seen = await repository.find_idempotent(conn, retry.scope, retry.row)
        if seen is None:
            return None
        if seen.request_hash != request_hash:
            field = "Idempotency-Key" if retry.secret else "id"
            raise UnprocessableField(field, "This key was already used with a different "
                                     "request body.", code="idempotency_key_reused")
        return _receipt(seen.response, retry)

    async def _exists(self, complaint_id: str) -> bool:
        async with self.runtime.engine.connect() as conn:
            return await repository.get_complaint(conn, complaint_id) is not None

    def _file(self, uow: UnitOfWork, data: ComplaintCreate, actor: domain.Actor,
              category: CategoryRecord, attributes: dict[str, Any]) -> FilingReceipt:
        now = self.now()
        complaint_id = data.id or str(uuid.uuid4())
        code = tracking.new_tracking_code()  # unique constraint; a clash retries (file)
        token = tracking.new_citizen_token()
        try:
            complaint = domain.Complaint.file(
                complaint_id=complaint_id, tracking_code=code, actor=actor, now=now,
                complexity=Complexity(category.complexity), policy=self.policy)
        except domain.ComplaintError as exc:
            raise from_domain(exc) from None
        reporter = data.reporter if data.privacy is not PrivacyMode.ANONYMOUS else None
        loc = data.location
        region_code = loc.region_code if loc else None
        repository.insert_complaint(uow, {
            **repository.state_columns(complaint),
            "id": complaint_id, "tracking_code": code, "token_hash": tracking.hash_token(token),
            "title": data.title, "description": data.description,
            "category_code": category.code, "agency_id": category.agency_id,
            "privacy": str(data.privacy), "private": data.private, "channel": str(data.channel),
            "locale": data.locale, "lat": loc and loc.lat, "long": loc and loc.long,
            "address": loc and loc.address, "region_code": region_code,
            "attributes": attributes,
            "reporter_name": reporter and reporter.name,
            "reporter_email": reporter and reporter.email,
            "reporter_phone": reporter and reporter.phone,
            "filed_at": now, "updated_at": now,
        })
        repository.insert_attachments(uow, [_attachment(a, now) for a in data.attachments],
                                      complaint_id=complaint_id)
        facts = Facts(agency_id=category.agency_id, category_code=category.code,
                      channel=str(data.channel), privacy=str(data.privacy),
                      region_code=region_code, filed_at=now)
        contact = (Contact(email=reporter.email, phone=reporter.phone, locale=data.locale,
                           phone_channel=self.settings.phone_channel) if reporter else None)
        record_changes(uow, complaint, facts=facts, contact=contact, links=self.links,
                       token=token)
        return FilingReceipt(complaint_id=complaint_id, tracking_code=code, token=token,
                             status=complaint.status, filed_at=now,
                             deadlines=complaint.deadlines)

    # -- the staff's reads -------------------------------------------------------------------

    async def list_complaints(self, *, principal: Principal,
                              query: ListQuery) -> ComplaintPage:
        """Newest first, cursor-paginated, limited to the complaints the caller may see."""
        try:
            cursor = repository.Cursor.decode(query.cursor) if query.cursor else None
        except repository.InvalidCursor:
            raise InvalidCursor() from None
        now = self.now()
        async with self.runtime.engine.connect() as conn:
            scope = await self._scope(conn, principal)
            rows, after = await repository.list_complaints(
                conn, visible=scope.agency_ids, filters=query.filters, cursor=cursor,
                limit=query.limit, now=now)
        return ComplaintPage(items=rows, next_cursor=after.encode() if after else None)

    async def read(self, *, principal: Principal, complaint_id: str) -> ComplaintDetails:
        now = self.now()
        async with self.runtime.engine.connect() as conn:
            scope = await self._scope(conn, principal)
            record = await repository.get_complaint(conn, complaint_id)
            if record is None or not scope.sees(record.agency_id):
                raise ComplaintNotFound()
            return ComplaintDetails(record, await repository.timeline(conn, complaint_id), now)

    async def _scope(self, conn: AsyncConnection, principal: Principal) -> access.Scope:
        parents = (await repository.agency_parents(conn)
                   if access.needs_agency_tree(principal) else {})
        return access.scope_of(principal, parents)

    # -- the staff's lifecycle steps -----------------------------------------------------------

    async def verify(self, *, principal: Principal, complaint_id: str,
                     complexity: Complexity | None, note: str | None) -> ComplaintDetails:
        return await self._staff_step(principal, complaint_id, lambda c, actor, now: c.verify(
            actor, now, complexity=complexity, note=note))

    async def reject(self, *, principal: Principal, complaint_id: str,
                     reason: domain.RejectionReason, duplicate_of: str | None,
                     note: str | None) -> ComplaintDetails:
        """Reject a submitted complaint. A ``duplicate`` names the complaint it repeats (by id or
        tracking code), which must exist, be visible to the caller and not be rejected itself;
        it is stored by its id, which the reporter sees with the reason."""
        original: list[str] = []

        async def check(conn: AsyncConnection, record: ComplaintRecord,
                        scope: access.Scope) -> None:
            if not duplicate_of:
                return
            found = (await repository.get_complaint(conn, duplicate_of)
                     or await repository.get_by_tracking_code(conn, duplicate_of))
            if found is None or not scope.sees(found.agency_id):
                raise UnprocessableField("duplicate_of", "No such complaint.",
                                         code="unknown_complaint")
            if found.id == record.id:
                raise UnprocessableField("duplicate_of", "A complaint cannot duplicate itself.",
                                         code="duplicate_of_itself")
            if found.status == domain.Status.REJECTED:
                raise UnprocessableField("duplicate_of", "That complaint was rejected itself.",
                                         code="duplicate_of_rejected")
            original.append(found.id)

        return await self._staff_step(principal, complaint_id, lambda c, actor, now: c.reject(
            actor, now, reason, duplicate_of=original[0] if original else duplicate_of,
            note=note), check=check)

    async def forward(self, *, principal: Principal, complaint_id: str, agency_id: str,
                      note: str | None) -> ComplaintDetails:
        """Forward (disposisi) to another agency, which must exist; the agency that holds the
        complaint starts work on it instead of forwarding it to itself."""
        async def check(conn: AsyncConnection, record: ComplaintRecord,
                        scope: access.Scope) -> None:
            target = await repository.get_agency(conn, agency_id)
            if target is None:
                raise UnprocessableField("agency_id", "Unknown agency.", code="unknown_agency")
            if target.id == record.agency_id:
                raise UnprocessableField(
                    "agency_id", "The complaint is already with this agency: start work on it "
                    "instead of forwarding it.", code="already_with_agency")

        return await self._staff_step(principal, complaint_id, lambda c, actor, now: c.forward(
            actor, now, agency_id, note=note), check=check)

    async def start(self, *, principal: Principal, complaint_id: str,
                    note: str | None) -> ComplaintDetails:
        return await self._staff_step(principal, complaint_id, lambda c, actor, now: c.start(
            actor, now, note=note))

    async def respond(self, *, principal: Principal, complaint_id: str,
                      body: str) -> ComplaintDetails:
        return await self._staff_step(principal, complaint_id, lambda c, actor, now: c.respond(
            actor, now, body))

    async def resolve(self, *, principal: Principal, complaint_id: str,
                      note: str | None) -> ComplaintDetails:
        return await self._staff_step(principal, complaint_id, lambda c, actor, now: c.resolve(
            actor, now, note=note))

    async def add_note(self, *, principal: Principal, complaint_id: str,
                       body: str) -> ComplaintDetails:
        return await self._staff_step(principal, complaint_id, lambda c, actor, now: c.add_note(
            actor, now, body))

    async def attach(self, *, principal: Principal, complaint_id: str,
                     attachment: AttachmentIn) -> ComplaintDetails:
        """A file's metadata (the file itself lives in the agency's object storage)."""
        now = self.now()
        async with self.runtime.unit_of_work() as uow:
            scope = await self._scope(uow.conn, principal)
            record, timeline, complaint = await self._load(uow.conn, scope, complaint_id)
            try:
                complaint.authorize_attachment(scope.actor, now)
            except domain.ComplaintError as exc:
                raise from_domain(exc) from None
            new = _attachment(attachment, now)
            repository.insert_attachments(uow, [new], complaint_id=complaint_id)
        return ComplaintDetails(record, timeline.extended(attachments=(new,)), now)

    async def _load(self, conn: AsyncConnection, scope: access.Scope, complaint_id: str
                    ) -> tuple[ComplaintRecord, Timeline, domain.Complaint]:
        record = await repository.get_complaint(conn, complaint_id, lock=True)
        if record is None or not scope.sees(record.agency_id):
            raise ComplaintNotFound()
        timeline = await repository.timeline(conn, complaint_id)
        return record, timeline, repository.to_domain(record, self.policy,
                                                      timeline.latest_rating)

    async def _staff_step(self, principal: Principal, complaint_id: str, step: Step, *,
                          check: Callable[[AsyncConnection, ComplaintRecord, access.Scope],
                                          Awaitable[None]] | None = None,
                          ) -> ComplaintDetails:
        now = self.now()
        async with self.runtime.unit_of_work() as uow:
            scope = await self._scope(uow.conn, principal)
            record, timeline, complaint = await self._load(uow.conn, scope, complaint_id)
            if check is not None:
                await check(uow.conn, record, scope)
            return await self._apply(uow, record, timeline, complaint, scope.actor, step, now)

    # -- the reporter's ----------------------------------------------------------------------

    async def track(self, *, tracking_code: str, token: str) -> ComplaintDetails:
        """The complaint of the reporter who proves it with the code and the token."""
        now = self.now()
        async with self.runtime.engine.connect() as conn:
            record = await self._citizen_record(conn, tracking_code, token, lock=False)
            return ComplaintDetails(record, await repository.timeline(conn, record.id), now)

    async def reply(self, *, tracking_code: str, token: str, body: str) -> ComplaintDetails:
        return await self._citizen_step(tracking_code, token, lambda c, actor, now: c.reply(
            actor, now, body))

    async def reopen(self, *, tracking_code: str, token: str,
                     reason: str) -> ComplaintDetails:
        return await self._citizen_step(tracking_code, token, lambda c, actor, now: c.reopen(
            actor, now, reason))

    async def rate(self, *, tracking_code: str, token: str, score: int,
                   comment: str | None) -> ComplaintDetails:
        return await self._citizen_step(tracking_code, token, lambda c, actor, now: c.rate(
            actor, now, score, comment))

    async def accept(self, *, tracking_code: str, token: str) -> ComplaintDetails:
        """The reporter accepts the answer: the complaint is closed."""
        return await self._citizen_step(tracking_code, token, lambda c, actor, now: c.close(
            actor, now))

    async def register_device(self, *, tracking_code: str, token: str,
                              push_token: str | None) -> None:
        """Send the reporter's messages to their app too (an FCM registration token), or no
        longer (None). An anonymous report keeps no contact, so no device either."""
        async with self.runtime.unit_of_work() as uow:
            record = await self._citizen_record(uow.conn, tracking_code, token, lock=True)
            if push_token is not None and record.privacy == PrivacyMode.ANONYMOUS:
                raise UnprocessableField("push_token", "An anonymous report keeps no contact.",
                                         code="anonymous_report")
            if push_token is not None and record.contact_erased_at is not None:
                raise UnprocessableField("push_token", "This complaint's contact was erased "
                                         "after its retention.", code="contact_erased")
            await repository.set_push_token(uow.conn, record.id, push_token)

    async def _citizen_record(self, conn: AsyncConnection, tracking_code: str, token: str, *,
                              lock: bool) -> ComplaintRecord:
        try:
            code = tracking.normalize_tracking_code(tracking_code)
        except tracking.InvalidTrackingCode:
            raise InvalidTrackingToken() from None
        record = await repository.get_by_tracking_code(conn, code, lock=lock)
        if record is None or not tracking.verify_token(token, record.token_hash):
            raise InvalidTrackingToken()
        return record

    async def _citizen_step(self, tracking_code: str, token: str,
                            step: Step) -> ComplaintDetails:
        now = self.now()
        async with self.runtime.unit_of_work() as uow:
            record = await self._citizen_record(uow.conn, tracking_code, token, lock=True)
            timeline = await repository.timeline(uow.conn, record.id)
            complaint = repository.to_domain(record, self.policy, timeline.latest_rating)
            actor = domain.Actor(domain.Role.CITIZEN, f"citizen:{record.tracking_code}")
            return await self._apply(uow, record, timeline, complaint, actor, step, now)

    # -- applying a step -----------------------------------------------------------------------

    async def _apply(self, uow: UnitOfWork, record: ComplaintRecord, timeline: Timeline,
                     complaint: domain.Complaint, actor: domain.Actor, step: Step,
                     now: datetime) -> ComplaintDetails:
        """Apply ``step``, store the new state, its timeline entries and events; answer with
        the complaint as the transaction leaves it."""
        rated = complaint.rating
        try:
            step(complaint, actor, now)
        except domain.ComplaintError as exc:
            raise from_domain(exc) from None
        await repository.save_state(uow.conn, complaint, now)
        new_ratings: tuple[RatingRecord, ...] = ()
        if complaint.rating is not None and complaint.rating is not rated:
            new_ratings = (await repository.insert_rating(uow.conn, complaint.id,
                                                          complaint.rating),)
        written = record_changes(uow, complaint, facts=facts_of(record),
                                 contact=contact_of(
                                     record, phone_channel=self.settings.phone_channel),
                                 links=self.links)
        return ComplaintDetails(
            repository.with_state(record, complaint, now),
            timeline.extended(messages=written.messages, audit=written.audit,
                              ratings=new_ratings), now)


def _attachment(a: AttachmentIn, now: datetime) -> AttachmentRecord:
    return AttachmentRecord(id=str(uuid.uuid4()), url=str(a.url), media_type=a.media_type,
                            size_bytes=a.size_bytes, created_at=now)


# -- the stored answer of a filing (what a retry gets back) ------------------------------------

_DEADLINES = ("verify_by", "forward_by", "first_response_by", "resolve_by")


@dataclass(frozen=True)
class _Retry:
    """Where a filing's answer is stored for its retries, and the secret its token is sealed
    with (None: a retry by client id, which never gets the token back)."""

    scope: str
    row: str
    secret: str | None


def _retry_of(data: ComplaintCreate, actor: domain.Actor, key: str | None,
              request_hash: str) -> _Retry | None:
    if key:
        # an officer's keys are theirs; an unauthenticated client's are scoped to its body
        owner = (f"{actor.role}:{actor.id}" if actor.role in domain.STAFF
                 else f"citizen:{request_hash}")
        return _Retry("file:key", sealing.lookup(scope=owner, key=key), key)
    if data.id:
        return _Retry("file:client-id", sealing.lookup(scope="client-id", key=data.id), None)
    return None


def _stored(r: FilingReceipt, retry: _Retry) -> dict[str, Any]:
    sealed = (sealing.seal(r.token, key=retry.secret, row=retry.row)
              if retry.secret and r.token else None)
    return {"id": r.complaint_id, "tracking_code": r.tracking_code, "token_sealed": sealed,
            "status": str(r.status), "filed_at": r.filed_at.isoformat(),
            "deadlines": {k: getattr(r.deadlines, k).isoformat() for k in _DEADLINES}}


def _receipt(stored: dict[str, Any], retry: _Retry) -> FilingReceipt:
    deadlines = Deadlines(**{k: datetime.fromisoformat(stored["deadlines"][k])
                             for k in _DEADLINES})
    sealed = stored.get("token_sealed")
    token = (sealing.unseal(sealed, key=retry.secret, row=retry.row)
             if sealed and retry.secret else None)
    return FilingReceipt(complaint_id=stored["id"], tracking_code=stored["tracking_code"],
                         token=token, status=domain.Status(stored["status"]),
                         filed_at=datetime.fromisoformat(stored["filed_at"]),
                         deadlines=deadlines, replayed=True)
