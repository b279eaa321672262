"""What the use cases return: plain, typed results. The routes choose the status code and
the serialisation (``views.py``); nothing here is shaped for HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.complaints import domain
from services.complaints.records import (
    AgencyRecord,
    ApiKeyRecord,
    CategoryRecord,
    ComplaintRecord,
    ComplaintSummaryRecord,
    PublicRequest,
    Timeline,
)
from services.complaints.sla import Deadlines


@dataclass(frozen=True)
class FilingReceipt:
    """A filed complaint, as its filer learns it: the tracking code and the secret token.

    ``replayed`` is true when this answers a retry (the same Idempotency-Key or client id and
    body): the complaint was filed by the first attempt, nothing new was stored. A replay
    carries the token only for the Idempotency-Key it was sealed with (``sealing``); a retry
    by client id alone gets ``token=None``."""

    complaint_id: str
    tracking_code: str
    token: str | None
    status: domain.Status
    filed_at: datetime
    deadlines: Deadlines
    replayed: bool = False


@dataclass(frozen=True)
class ComplaintDetails:
    """One complaint with its whole timeline, as of ``as_of`` (the clock reading of the use
    case: what is overdue is judged at that moment)."""

    record: ComplaintRecord
    timeline: Timeline
    as_of: datetime


@dataclass(frozen=True)
class ComplaintPage:
    items: list[ComplaintSummaryRecord]
    next_cursor: str | None


@dataclass(frozen=True)
class IssuedApiKey:
    """A new Open311 key: ``secret`` is shown once, only its hash is stored."""

    key: ApiKeyRecord
    secret: str


@dataclass(frozen=True)
class Discovery:
    """What Open311 discovery states about this deployment."""

    changed_at: datetime  # the catalogue's last change
    production: bool


@dataclass(frozen=True)
class Announced:
    """What ``CatalogueService.announce_pending`` published."""

    agencies: int
    categories: int


@dataclass(frozen=True)
class CatalogueEntry:
    """A category with the agency responsible for it (None if that agency is gone)."""

    category: CategoryRecord
    agency: AgencyRecord | None


@dataclass(frozen=True)
class Open311Filing:
    """A service request filed through Open311: the receipt, and who will handle it."""

    receipt: FilingReceipt
    entry: CatalogueEntry


@dataclass(frozen=True)
class PublicRequests:
    requests: list[PublicRequest]
    as_of: datetime
