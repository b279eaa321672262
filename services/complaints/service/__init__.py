"""The complaints service's use cases, by audience (each module's docstring says what it
owns); ``app.py`` builds one object of each and registers it for the routes."""

from services.complaints.service.catalogue import CatalogueService
from services.complaints.service.clock import Clock, utc_now
from services.complaints.service.complaints import ComplaintService, ListQuery
from services.complaints.service.public import PublicService
from services.complaints.service.results import (
    CatalogueEntry,
    ComplaintDetails,
    ComplaintPage,
    FilingReceipt,
    IssuedApiKey,
    Open311Filing,
    PublicRequests,
)
from services.complaints.service.scheduling import (
    AnswerPurge,
    ContactRetention,
    RetentionCounts,
    ScanCounts,
    SlaScanner,
)

__all__ = ["AnswerPurge", "CatalogueEntry", "CatalogueService", "Clock", "ComplaintDetails",
           "ComplaintPage", "ComplaintService", "ContactRetention", "FilingReceipt",
           "IssuedApiKey", "ListQuery", "Open311Filing", "PublicRequests", "PublicService",
           "RetentionCounts", "ScanCounts", "SlaScanner", "utc_now"]
