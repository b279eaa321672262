"""What integrators and the public reach without an officer's token: Open311 filings (with an
API key) and the public listing of complaints."""

from __future__ import annotations

from typing import Any

from services.complaints import domain, repository
from services.complaints.errors import InvalidApiKey
from services.complaints.records import ApiKeyRecord, PublicFilters
from services.complaints.schemas import ComplaintCreate
from services.complaints.service.catalogue import CatalogueService
from services.complaints.service.clock import Clock
from services.complaints.service.complaints import ComplaintService
from services.complaints.service.results import Open311Filing, PublicRequests
from shared.auth import hash_api_key
from shared.runtime import ServiceRuntime


def open311_title(service_name: str, description: str | None, words: int = 12) -> str:
    """Open311 has no title: the service name, then the description's first words."""
    if not description:
        return service_name[:200]
    parts = description.split()
    text = f"{service_name}: {' '.join(parts[:words])}" + ("…" if len(parts) > words else "")
    return text if len(text) <= 200 else text[:199] + "…"


class PublicService:
    def __init__(self, *, runtime: ServiceRuntime, catalogue: CatalogueService,
                 complaints: ComplaintService, clock: Clock) -> None:
        self.runtime = runtime
        self.catalogue = catalogue
        self.complaints = complaints
        self.now = clock

    def tracking_url(self, tracking_code: str) -> str:
        """Where the citizen follows the complaint (the link of every citizen message)."""
        return self.complaints.links.tracking(tracking_code)

    async def client(self, *, api_key: str | None) -> ApiKeyRecord:
        """The Open311 client holding ``api_key`` (``InvalidApiKey`` if none, unknown or
        revoked: a revoked key stops working at once)."""
        if not api_key:
            raise InvalidApiKey(missing=True)
        async with self.runtime.engine.connect() as conn:
            key = await repository.active_api_key(conn, hash_api_key(api_key))
        if key is None:
            raise InvalidApiKey(missing=False)
        return key

    async def file_request(self, *, client: ApiKeyRecord, fields: dict[str, Any],
                           locale: str) -> Open311Filing:
        """File an Open311 service request (``fields``: ComplaintCreate's, without a title).

        Raises ``UnknownCategory`` for an unknown service, pydantic's ``ValidationError`` for
        fields that break ComplaintCreate's rules, and what filing raises."""
        entry = await self.catalogue.filing_entry(fields["category_code"])
        name = entry.category.name_id
        data = ComplaintCreate.model_validate(fields | {
            "title": open311_title(name, fields.get("description")),
            "description": fields.get("description") or name, "locale": locale})
        actor = domain.Actor(domain.Role.CITIZEN, f"open311:{client.id}")
        receipt = await self.complaints.file(data=data, actor=actor, idempotency_key=None)
        return Open311Filing(receipt, entry)

    async def requests(self, *, filters: PublicFilters,
                       limit: int) -> PublicRequests:
        """Listed complaints (``disclosure``: verified first, never private), newest first."""
        now = self.now()
        async with self.runtime.engine.connect() as conn:
            found = await repository.public_requests(conn, filters, limit=limit)
        return PublicRequests(found, now)
