"""The complaints use cases. Each takes a unit of work, changes state through the domain, and
writes its events to the outbox in the same transaction; none commits or raises HTTP errors."""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from services.complaints import domain, repository, tracking
from services.complaints.access import Scope
from services.complaints.errors import ComplaintNotFound, UnprocessableField, from_domain
from services.complaints.mapping import Contact, Facts, notification, payloads
from services.complaints.schemas import ComplaintCreate
from services.complaints.settings import ComplaintsSettings
from services.complaints.sla import Complexity, SlaPolicy
from shared.errors import Conflict, Unauthorized
from shared.events.complaints import PrivacyMode
from shared.runtime import ServiceRuntime
from shared.uow import UnitOfWork

CATEGORY_CACHE_S = 30.0


@dataclass(frozen=True)
class Filed:
    status_code: int
    body: dict[str, Any]


class ComplaintService:
    def __init__(self, runtime: ServiceRuntime, settings: ComplaintsSettings,
                 policy: SlaPolicy, clock: Callable[[], datetime] | None = None) -> None:
        self.runtime = runtime
        self.settings = settings
        self.policy = policy
        self.now = clock or (lambda: datetime.now(UTC))
        self._categories: dict[str, tuple[Any, float]] = {}

    # -- intake --------------------------------------------------------------------------

    async def file(self, data: ComplaintCreate, *, actor: domain.Actor,
                   idempotency_key: str | None) -> Filed:
        """File a complaint. The same Idempotency-Key (or client id) and body replay the first
        answer, token included; with another body they are a 409/422, never a second complaint.

        The happy path reads nothing: the filing is written optimistically (with concurrent
        filings, in one group-committed transaction) and a taken key, id or tracking code
        shows up as a unique-constraint violation, which is when the stored answer is read."""
        request_hash = hashlib.sha256(data.model_dump_json().encode()).hexdigest()
        scope = f"file:{actor.role}:{actor.id}" if idempotency_key else "file:client-id"
        key = idempotency_key or (data.id and f"id:{data.id}")
        try:
            category = await self.category(data.category_code)
            attributes = validate_attributes(category.attributes, data.attributes)
        except UnprocessableField:
            # the catalogue may have changed since the first attempt: its answer still holds
            if key and (replay := await self._replay(scope, key, request_hash)):
                return replay
            raise
        for _ in range(3):
            try:
                async with self.runtime.grouped_unit_of_work() as uow:
                    body = await self._file(uow, data, actor, category, attributes)
                    if key:
                        repository.save_idempotent(uow, scope=scope, key=key,
                                                   request_hash=request_hash, status_code=201,
                                                   response=body, now=self.now())
                return Filed(201, body)
            except IntegrityError:
                # a request with the same key or id was first (replay its answer), or the new
                # tracking code was taken (draw another)
                if key and (replay := await self._replay(scope, key, request_hash)):
                    return replay
                if data.id and await self._exists(data.id):
                    raise Conflict("A complaint with this id already exists.",
                                   code="duplicate_id", extra={"field": "id"}) from None
        raise Conflict("The complaint could not be stored; send it again.",
                       code="intake_conflict")

    async def _replay(self, scope: str, key: str, request_hash: str) -> Filed | None:
        async with self.runtime.engine.connect() as conn:
            seen = await repository.find_idempotent(conn, scope, key)
        if seen is None:
            return None
        if seen.request_hash != request_hash:
            field = "id" if key.startswith("id:") else "Idempotency-Key"
            raise UnprocessableField(field, "This key was already used with a different "
                                     "request body.", code="idempotency_key_reused")
        return Filed(200, dict(seen.response))

    async def _exists(self, complaint_id: str) -> bool:
        async with self.runtime.engine.connect() as conn:
            return await repository.get_complaint(conn, complaint_id) is not None

    async def _file(self, uow: UnitOfWork, data: ComplaintCreate, actor: domain.Actor,
                    category, attributes: dict[str, Any]) -> dict[str, Any]:
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
        repository.insert_complaint(uow, {
            **repository.state_columns(complaint),
            "id": complaint_id, "tracking_code": code, "token_hash": tracking.hash_token(token),
            "title": data.title, "description": data.description,
            "category_code": category.code, "agency_id": category.agency_id,
            "privacy": str(data.privacy), "private": data.private, "channel": str(data.channel),
            "locale": data.locale, "lat": loc and loc.lat, "long": loc and loc.long,
            "address": loc and loc.address, "region_code": loc and loc.region_code,
            "attributes": attributes,
            "reporter_name": reporter and reporter.name,
            "reporter_email": reporter and reporter.email,
            "reporter_phone": reporter and reporter.phone,
            "filed_at": now, "updated_at": now,
        })
        repository.insert_attachments(uow, [
            {"id": str(uuid.uuid4()), "complaint_id": complaint_id, "url": str(a.url),
             "media_type": a.media_type, "size_bytes": a.size_bytes, "created_at": now}
            for a in data.attachments])
        facts = Facts(agency_id=category.agency_id, category_code=category.code,
                      channel=str(data.channel), privacy=str(data.privacy),
                      region_code=loc and loc.region_code, filed_at=now)
        contact = reporter and Contact(email=reporter.email, phone=reporter.phone,
                                       locale=data.locale)
        await self.record(uow, complaint, facts, contact, template="complaint_filed")
        d = complaint.deadlines
        return {"id": complaint_id, "tracking_code": code, "token": token,
                "status": str(complaint.status), "filed_at": now.isoformat(),
                "deadlines": {k: v.isoformat() for k, v in (
                    ("verify_by", d.verify_by), ("forward_by", d.forward_by),
                    ("first_response_by", d.first_response_by), ("resolve_by", d.resolve_by))}}

    # -- lifecycle -----------------------------------------------------------------------

    async def act(self, complaint_id: str, scope: Scope, action: str, **kwargs: Any) -> None:
        """A staff action (verify, reject, forward, start, respond, resolve, note)."""
        async with self.runtime.unit_of_work() as uow:
            row = await repository.get_complaint(uow.conn, complaint_id, lock=True)
            if row is None or not scope.sees(row.agency_id):
                raise ComplaintNotFound()
            if action == "forward":
                target = await repository.get_agency(uow.conn, kwargs["agency_id"])
                if target is None:
                    raise UnprocessableField("agency_id", "Unknown agency.",
                                             code="unknown_agency")
                if target.id == row.agency_id and row.agency_chain:
                    raise UnprocessableField("agency_id", "The complaint is already there.")
            await self._apply(uow, row, scope.actor, action, **kwargs)

    async def attach(self, complaint_id: str, principal, data) -> None:
        """Attachment metadata (the file itself lives in the agency's object storage)."""
        from services.complaints.access import scope_for

        async with self.runtime.unit_of_work() as uow:
            scope = await scope_for(uow.conn, principal)
            if scope.actor.role is domain.Role.AUDITOR:
                raise from_domain(domain.NotAllowed(scope.actor.role, domain.Action.NOTE))
            row = await repository.get_complaint(uow.conn, complaint_id, lock=True)
            if row is None or not scope.sees(row.agency_id):
                raise ComplaintNotFound()
            if row.status in ("rejected", "closed"):
                raise from_domain(domain.IllegalTransition(domain.Status(row.status),
                                                           domain.Action.NOTE))
            repository.insert_attachments(uow, [{
                "id": str(uuid.uuid4()), "complaint_id": complaint_id, "url": str(data.url),
                "media_type": data.media_type, "size_bytes": data.size_bytes,
                "created_at": self.now()}])

    async def category(self, code: str):
        """The active catalogue entry ``code`` (422 otherwise), cached for a short while: it is
        read by every filing and changes rarely (a change made through this process is seen
        at once)."""
        now = time.monotonic()
        hit = self._categories.get(code)
        if hit is not None and hit[1] > now:
            row = hit[0]
        else:
            async with self.runtime.engine.connect() as conn:
                row = await repository.get_category(conn, code)
            if row is not None:
                self._categories[code] = (row, now + CATEGORY_CACHE_S)
        if row is None or not row.active:
            raise UnprocessableField("category_code", f"Unknown category {code!r}.",
                                     code="unknown_category")
        return row

    def forget_categories(self) -> None:
        self._categories.clear()

    async def citizen_act(self, tracking_code: str, token: str, action: str,
                          **kwargs: Any) -> None:
        """An action of the reporter, who proves it with the code and the token."""
        async with self.runtime.unit_of_work() as uow:
            row = await self.citizen_row(uow, tracking_code, token, lock=True)
            actor = domain.Actor(domain.Role.CITIZEN, f"citizen:{row.tracking_code}")
            await self._apply(uow, row, actor, action, **kwargs)

    async def citizen_row(self, uow: UnitOfWork, tracking_code: str, token: str, *,
                          lock: bool = False):
        try:
            code = tracking.normalize_tracking_code(tracking_code)
        except tracking.InvalidTrackingCode:
            code = None
        row = code and await repository.get_by_tracking_code(uow.conn, code, lock=lock)
        if not row or not tracking.verify_token(token, row.token_hash):
            # the same answer for an unknown code and a wrong token: nothing to probe
            raise Unauthorized("The tracking code and token do not match a complaint.",
                               code="invalid_tracking_token")
        return row

    async def _apply(self, uow: UnitOfWork, row, actor: domain.Actor, action: str,
                     **kwargs: Any) -> domain.Complaint:
        now = self.now()
        rating = await repository.latest_rating(uow.conn, row.id)
        complaint = repository.to_domain(row, self.policy, rating)
        method = {"note": "add_note"}.get(action, action)
        try:
            getattr(complaint, method)(actor, now, **kwargs)
        except domain.ComplaintError as exc:
            raise from_domain(exc) from None
        await repository.save_state(uow.conn, complaint, now)
        if action == "rate" and complaint.rating is not None:
            await repository.insert_rating(uow.conn, complaint.id, complaint.rating)
        await self.record(uow, complaint, facts_of(row), contact_of(row))
        return complaint

    async def record(self, uow: UnitOfWork, complaint: domain.Complaint, facts: Facts,
                      contact: Contact | None,
                      template: str = "complaint_status_changed") -> None:
        """Persist the new timeline entries and publish the events they caused."""
        repository.append_timeline(uow, complaint, complaint.messages, complaint.audit)
        for event in complaint.events:
            published = [uow.publish(p) for p in payloads(event, complaint, facts)]
            if event.from_status == event.to_status or not published:
                continue
            message = notification(
                cause_id=published[0].id, c=complaint, contact=contact, template=template,
                occurred_at=event.at,
                tracking_url=self.settings.public_tracking_url.format(
                    code=complaint.tracking_code))
            if message is not None:
                uow.publish(message)
        complaint.events.clear()


def facts_of(row) -> Facts:
    return Facts(agency_id=row.agency_id, category_code=row.category_code, channel=row.channel,
                 privacy=row.privacy, region_code=row.region_code, filed_at=row.filed_at)


def contact_of(row) -> Contact | None:
    if row.privacy == PrivacyMode.ANONYMOUS:
        return None
    return Contact(email=row.reporter_email, phone=row.reporter_phone, locale=row.locale)


def validate_attributes(definitions: list[dict], answers: dict[str, Any]) -> dict[str, Any]:
    """Open311-style attributes: required ones present, values of the declared type."""
    known = {d["code"]: d for d in definitions}
    for code in answers:
        if code not in known:
            raise UnprocessableField(f"attributes.{code}", "The category has no such attribute.")
    clean: dict[str, Any] = {}
    for code, d in known.items():
        value = answers.get(code)
        field = f"attributes.{code}"
        if value in (None, "", []):
            if d.get("required"):
                raise UnprocessableField(field, "This attribute is required.")
            continue
        kind = d["datatype"]
        allowed = {v["key"] for v in d.get("values", [])}
        if kind == "number":
            try:
                clean[code] = float(value)
            except (TypeError, ValueError):
                raise UnprocessableField(field, "Expected a number.") from None
        elif kind == "datetime":
            try:
                clean[code] = datetime.fromisoformat(str(value)).isoformat()
            except ValueError:
                raise UnprocessableField(field, "Expected an ISO-8601 date-time.") from None
        elif kind == "singlevaluelist":
            if str(value) not in allowed:
                raise UnprocessableField(field, f"Expected one of {sorted(allowed)}.")
            clean[code] = str(value)
        elif kind == "multivaluelist":
            values = [str(v) for v in (value if isinstance(value, list) else [value])]
            if not set(values) <= allowed:
                raise UnprocessableField(field, f"Expected values among {sorted(allowed)}.")
            clean[code] = values
        else:
            text = str(value)
            if len(text) > (4000 if kind == "text" else 500):
                raise UnprocessableField(field, "The value is too long.")
            clean[code] = text
    return clean


