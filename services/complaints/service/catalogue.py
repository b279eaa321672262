"""The catalogue's use cases: agencies, categories, and the Open311 API keys (admins write,
everyone reads).

Every write of an agency or a category puts its event (``agency.created`` / ``.changed``,
``category.created`` / ``.changed``: the whole entity at its new revision) in the outbox of
the same transaction, and records that revision as announced; ``announce_pending`` publishes
what an upgrade found never announced (each revision once, across replicas)."""

from __future__ import annotations

import time
import uuid
from dataclasses import replace
from typing import Any

from sqlalchemy.exc import IntegrityError

from services.complaints import mapping, repository
from services.complaints.errors import UnknownCategory, UnprocessableField
from services.complaints.records import AgencyRecord, ApiKeyRecord, CategoryRecord
from services.complaints.service.clock import Clock
from services.complaints.service.results import Announced, CatalogueEntry, Discovery, IssuedApiKey
from shared.auth import hash_api_key, new_api_key
from shared.errors import Conflict, NotFound
from shared.runtime import ServiceRuntime

#: How long a filing may use a catalogue entry read before (a change made through this
#: process is seen at once; one made through another replica within this many seconds).
CATEGORY_CACHE_S = 30.0


class CatalogueService:
    def __init__(self, *, runtime: ServiceRuntime, clock: Clock) -> None:
        self.runtime = runtime
        self.now = clock
        self._entries: dict[str, tuple[CatalogueEntry, float]] = {}

    # -- agencies --------------------------------------------------------------------------

    async def agencies(self) -> list[AgencyRecord]:
        async with self.runtime.engine.connect() as conn:
            return await repository.list_agencies(conn)

    async def create_agency(self, *, agency: AgencyRecord) -> AgencyRecord:
        async with self.runtime.unit_of_work() as uow:
            if await repository.get_agency(uow.conn, agency.id):
                raise Conflict(f"Agency {agency.id!r} exists.", code="agency_exists")
            if agency.parent_id and not await repository.get_agency(uow.conn, agency.parent_id):
                raise UnprocessableField("parent_id", "Unknown parent agency.")
            now = self.now()
            await repository.insert_agency(uow.conn, agency, now=now)
            agency = replace(agency, revision=1, changed_at=now)
            uow.publish(mapping.agency_event(agency, created=True))
        return agency

    async def change_agency(self, *, agency_id: str, changes: dict[str, Any]) -> AgencyRecord:
        """Change the agency's names, kind or parent (``changes`` holds only what the caller
        gave); a new revision, published. The parent must exist and not be the agency or one
        of its own sub-agencies."""
        async with self.runtime.unit_of_work() as uow:
            current = await repository.get_agency(uow.conn, agency_id)
            if current is None:
                raise NotFound("No such agency.", code="agency_not_found")
            changes = {k: v for k, v in changes.items() if getattr(current, k) != v}
            if not changes:
                return current  # nothing new: no revision, no event
            if changes.get("parent_id") is not None:
                _check_parent(agency_id, changes["parent_id"],
                              await repository.agency_parents(uow.conn))
            agency = await repository.change_agency(uow.conn, agency_id, changes,
                                                    now=self.now())
            assert agency is not None
            uow.publish(mapping.agency_event(agency, created=False))
        self._entries.clear()
        return agency

    async def set_notification_address(self, *, agency_id: str,
                                       email: str | None) -> AgencyRecord:
        """Where the agency's SLA warnings and breaches go from now on (None: nowhere)."""
        async with self.runtime.unit_of_work() as uow:
            agency = await repository.set_agency_notification_email(uow.conn, agency_id, email)
        if agency is None:
            raise NotFound("No such agency.", code="agency_not_found")
        self._entries.clear()
        return agency

    # -- categories ------------------------------------------------------------------------

    async def categories(self) -> list[CategoryRecord]:
        async with self.runtime.engine.connect() as conn:
            return await repository.list_categories(conn)

    async def entries(self) -> list[CatalogueEntry]:
        """Every active category with its agency (Open311's service list)."""
        async with self.runtime.engine.connect() as conn:
            rows = await repository.list_categories(conn)
            agencies = {a.id: a for a in await repository.list_agencies(conn)}
        return [CatalogueEntry(r, agencies.get(r.agency_id)) for r in rows]

    async def active_category(self, code: str) -> CategoryRecord:
        """The active category ``code`` (``UnknownCategory`` otherwise), read now."""
        async with self.runtime.engine.connect() as conn:
            category = await repository.get_category(conn, code)
        if category is None or not category.active:
            raise UnknownCategory(code)
        return category

    async def filing_entry(self, code: str) -> CatalogueEntry:
        """The active category ``code`` with its agency, for a filing: read by every filing
        and changed rarely, so cached for ``CATEGORY_CACHE_S``."""
        now = time.monotonic()
        hit = self._entries.get(code)
        if hit is not None and hit[1] > now:
            entry = hit[0]
        else:
            async with self.runtime.engine.connect() as conn:
                category = await repository.get_category(conn, code)
                if category is None:
                    raise UnknownCategory(code)
                agency = await repository.get_agency(conn, category.agency_id)
            entry = CatalogueEntry(category, agency)
            self._entries[code] = (entry, now + CATEGORY_CACHE_S)
        if not entry.category.active:
            raise UnknownCategory(code)
        return entry

    async def create_category(self, *, category: CategoryRecord) -> CategoryRecord:
        async with self.runtime.unit_of_work() as uow:
            if await repository.get_category(uow.conn, category.code):
                raise Conflict(f"Category {category.code!r} exists.", code="category_exists")
            if not await repository.get_agency(uow.conn, category.agency_id):
                raise UnprocessableField("agency_id", "Unknown agency.")
            now = self.now()
            await repository.insert_category(uow.conn, category, now=now)
            category = replace(category, revision=1, created_at=now, changed_at=now)
            uow.publish(mapping.category_event(category, created=True))
        self._entries.clear()
        return category

    async def change_category(self, *, code: str, changes: dict[str, Any]) -> CategoryRecord:
        """Change what the caller gave of the category (``active: false`` retires it: no new
        complaints in it); a new revision, published. Complaints filed already keep their
        agency: a new ``agency_id`` applies to complaints filed from now on."""
        async with self.runtime.unit_of_work() as uow:
            current = await repository.get_category(uow.conn, code)
            if current is None:
                raise NotFound("No such category.", code="category_not_found")
            changes = {k: v for k, v in changes.items() if getattr(current, k) != v}
            if not changes:
                return current
            if "agency_id" in changes and not await repository.get_agency(
                    uow.conn, changes["agency_id"]):
                raise UnprocessableField("agency_id", "Unknown agency.")
            category = await repository.change_category(uow.conn, code, changes,
                                                        now=self.now())
            assert category is not None
            uow.publish(mapping.category_event(category, created=False))
        self._entries.clear()
        return category

    async def announce_pending(self, *, batch: int = 200) -> Announced:
        """Publish every agency and category revision never announced (what an upgrade from
        before the catalogue events found), parents first; a replica that claims a revision
        another one claimed first skips it. Returns how many this call published."""
        agencies = categories = 0
        while True:
            async with self.runtime.unit_of_work() as uow:
                pending_agencies, pending_categories = await repository.unannounced_catalogue(
                    uow.conn, limit=batch)
                for a in pending_agencies:
                    if await repository.claim_announcement(uow.conn, agency_id=a.id,
                                                           revision=a.revision):
                        uow.publish(mapping.agency_event(a, created=a.revision == 1))
                        agencies += 1
                for c in pending_categories:
                    if await repository.claim_announcement(uow.conn, category_code=c.code,
                                                           revision=c.revision):
                        uow.publish(mapping.category_event(c, created=c.revision == 1))
                        categories += 1
            if len(pending_agencies) < batch and len(pending_categories) < batch:
                return Announced(agencies=agencies, categories=categories)

    async def discovery(self) -> Discovery:
        """When the catalogue last changed (now, if it is empty), and whether this deployment
        is production (Open311 discovery's endpoint type)."""
        async with self.runtime.engine.connect() as conn:
            changed = await repository.catalogue_changed_at(conn)
        return Discovery(changed_at=changed or self.now(),
                         production=self.runtime.settings.environment == "production")

    # -- Open311 API keys ------------------------------------------------------------------

    async def api_keys(self) -> list[ApiKeyRecord]:
        async with self.runtime.engine.connect() as conn:
            return await repository.list_api_keys(conn)

    async def issue_api_key(self, *, name: str) -> IssuedApiKey:
        secret = new_api_key()
        key = ApiKeyRecord(id=str(uuid.uuid4()), name=name, created_at=self.now(),
                           revoked_at=None)
        try:
            async with self.runtime.unit_of_work() as uow:
                await repository.insert_api_key(uow.conn, key, key_hash=hash_api_key(secret))
        except IntegrityError:  # a 256-bit collision: practically impossible, still not a 500
            raise Conflict("Try again.", code="api_key_collision") from None
        return IssuedApiKey(key, secret)

    async def revoke_api_key(self, *, key_id: str) -> ApiKeyRecord:
        """Revoke the key (it stops working at once); revoking twice keeps the first time."""
        async with self.runtime.unit_of_work() as uow:
            key = await repository.get_api_key(uow.conn, key_id)
            if key is None:
                raise NotFound("No such API key.", code="api_key_not_found")
            if key.revoked_at is None:
                revoked_at = self.now()
                await repository.revoke_api_key(uow.conn, key_id, at=revoked_at)
                key = replace(key, revoked_at=revoked_at)
        return key


def _check_parent(agency_id: str, parent_id: str, parents: dict[str, str | None]) -> None:
    """A new parent must exist and not sit below the agency (the tree stays a tree)."""
    if parent_id not in parents:
        raise UnprocessableField("parent_id", "Unknown parent agency.")
    node: str | None = parent_id
    seen: set[str] = set()
    while node is not None and node not in seen:
        if node == agency_id:
            raise UnprocessableField("parent_id", "An agency cannot be placed under itself "
                                     "or one of its own sub-agencies.", code="agency_cycle")
        seen.add(node)
        node = parents.get(node)
