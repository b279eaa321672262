"""The complaints service's catalogue, as far as this service needs it: agency names for the
printed reports, kept from ``agency.created`` / ``agency.changed`` (shared/events/catalogue.py)."""

from __future__ import annotations

from services.surveys import repository
from shared.events.catalogue import AgencyEvent
from shared.uow import UnitOfWork


async def keep_agency(uow: UnitOfWork, *, agency: AgencyEvent) -> None:
    """Store the agency the event holds, unless a newer revision is held already (the
    consumer's use case: it runs in the bus's unit of work)."""
    await repository.keep_agency(uow.conn, {
        "id": agency.agency_id, "parent_id": agency.parent_id, "kind": agency.kind,
        "name_id": agency.name_id, "name_en": agency.name_en, "revision": agency.revision})
