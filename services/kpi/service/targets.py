"""Target use cases: list, create, change, delete, each audited (who, when, before, after) in
the same unit of work. Supervisors and admins manage their agency's and its sub-agencies'
targets; only admins manage the defaults (agency ``*``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from services.kpi import repository
from services.kpi.domain.indicators import BY_CODE
from services.kpi.domain.targets import DEFAULT_AGENCY
from services.kpi.errors import TargetNotFound, forbidden, invalid
from services.kpi.schemas import TargetCreate, TargetUpdate
from services.kpi.scope import AgencyTree, authorize_read, may_see
from services.kpi.service.indicators import KpiService, period_of
from shared.auth import Principal, Role
from shared.errors import Conflict


def _authorize_write(principal: Principal, tree: AgencyTree, agency_id: str) -> None:
    if not principal.has_any(Role.SUPERVISOR, Role.ADMIN):
        raise forbidden("targets_role", "Targets are managed by supervisors and admins.")
    if agency_id == DEFAULT_AGENCY:
        if not principal.has_any(Role.ADMIN):
            raise forbidden("forbidden_default_target", "Only admins manage the default targets.")
        return
    authorize_read(principal, tree, agency_id)


@dataclass(frozen=True)
class StoredTarget:
    """A target as stored, with its version (send it back to change it)."""

    id: str
    agency_id: str
    indicator_code: str
    value: float
    direction: str
    mode: str
    baseline_period: str | None
    category_code: str
    unit_id: str
    version: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class TargetChange:
    """One entry of a target's audit trail: who did what, and the target before and after."""

    action: str
    actor: str
    at: datetime
    before: dict[str, Any] | None
    after: dict[str, Any] | None


_STORED = TypeAdapter(StoredTarget)


def read(row: Row[Any]) -> StoredTarget:
    return _STORED.validate_python(dict(row._mapping))


def _snapshot(row: Row[Any]) -> dict[str, Any]:
    snapshot: dict[str, Any] = _STORED.dump_python(read(row), mode="json")
    return snapshot


@dataclass(frozen=True)
class TargetService:
    kpi: KpiService

    async def list_for(self, *, principal: Principal,
                       agency_id: str | None) -> list[StoredTarget]:
        async with self.kpi.runtime.engine.connect() as conn:
            tree = await AgencyTree.load(conn)
            rows = await repository.list_targets(conn)
        return [read(r) for r in rows
                if (agency_id is None or r.agency_id == agency_id)
                and (r.agency_id == DEFAULT_AGENCY or may_see(principal, tree, r.agency_id))]

    async def create(self, *, principal: Principal, body: TargetCreate) -> StoredTarget:
        if body.indicator_code not in BY_CODE:  # a target nothing could ever be scored on
            raise invalid("indicator_code", "unknown_indicator",
                          "not an indicator code of docs/kpi.md")
        if body.mode == "relative":
            if body.baseline_period is None:
                raise invalid("baseline_period", "baseline_required",
                              "required for a relative target")
            period_of(body.baseline_period, "baseline_period")
        now = self.kpi.now()
        async with self.kpi.runtime.unit_of_work() as uow:
            tree = await AgencyTree.load(uow.conn)
            _authorize_write(principal, tree, body.agency_id)
            target_id = str(uuid.uuid4())
            await repository.insert_target(uow.conn, {
                "id": target_id, **body.model_dump(), "version": 1, "created_at": now,
                "updated_at": now})
            row = await repository.get_target(uow.conn, target_id)
            assert row is not None
            await repository.audit(uow.conn, target_id=target_id, action="create",
                                   actor=principal.subject, at=now, before=None,
                                   after=_snapshot(row))
        self.kpi.answers.invalidate()  # scores and targets shown
        return read(row)

    @staticmethod
    async def _load_for_write(conn: AsyncConnection, *, principal: Principal,
                              target_id: str) -> Row[Any]:
        """The stored target, in the writing unit of work, if the caller may change it: else
        ``TargetNotFound``, or a 403 (the caller's role or scope)."""
        tree = await AgencyTree.load(conn)
        row = await repository.get_target(conn, target_id)
        if row is None:
            raise TargetNotFound(target_id)
        _authorize_write(principal, tree, row.agency_id)
        return row

    async def update(self, *, principal: Principal, target_id: str,
                     body: TargetUpdate) -> StoredTarget:
        now = self.kpi.now()
        async with self.kpi.runtime.unit_of_work() as uow:
            row = await self._load_for_write(uow.conn, principal=principal, target_id=target_id)
            changes = body.model_dump(exclude_unset=True, exclude={"version"})
            for field in ("value", "direction", "mode"):  # leave it out to keep it
                if field in changes and changes[field] is None:
                    raise invalid(field, "null_not_allowed", "may be left out, not null")
            mode = changes.get("mode", row.mode)
            baseline = changes.get("baseline_period", row.baseline_period)
            if mode == "relative":
                if baseline is None:
                    raise invalid("baseline_period", "baseline_required",
                                  "required for a relative target")
                period_of(baseline, "baseline_period")
            if not await repository.update_target(uow.conn, target_id, body.version, {
                    **changes, "version": row.version + 1, "updated_at": now}):
                raise Conflict("The target was changed meanwhile; read it again.",
                               code="version_conflict")
            after = await repository.get_target(uow.conn, target_id)
            assert after is not None
            await repository.audit(uow.conn, target_id=target_id, action="update",
                                   actor=principal.subject, at=now, before=_snapshot(row),
                                   after=_snapshot(after))
        self.kpi.answers.invalidate()
        return read(after)

    async def delete(self, *, principal: Principal, target_id: str) -> None:
        now = self.kpi.now()
        async with self.kpi.runtime.unit_of_work() as uow:
            row = await self._load_for_write(uow.conn, principal=principal, target_id=target_id)
            await repository.delete_target(uow.conn, target_id)
            await repository.audit(uow.conn, target_id=target_id, action="delete",
                                   actor=principal.subject, at=now, before=_snapshot(row),
                                   after=None)
        self.kpi.answers.invalidate()

    async def history(self, *, principal: Principal, target_id: str) -> list[TargetChange]:
        async with self.kpi.runtime.engine.connect() as conn:
            tree = await AgencyTree.load(conn)
            rows = await repository.audit_of(conn, target_id)
        if not rows:
            raise TargetNotFound(target_id)
        agency = (rows[-1].after or rows[-1].before or {}).get("agency_id", "")
        if agency != DEFAULT_AGENCY:
            authorize_read(principal, tree, agency)
        return [TargetChange(action=r.action, actor=r.actor, at=r.at, before=r.before,
                             after=r.after) for r in rows]
