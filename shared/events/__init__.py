"""Event contracts: the CloudEvents envelope and one typed payload per event type.

Importing this package registers every event type (the payload modules are imported below).
"""

from shared.events.catalogue import (
    AgencyChanged,
    AgencyCreated,
    CategoryChanged,
    CategoryCreated,
)
from shared.events.complaints import (
    ComplaintClosed,
    ComplaintEvent,
    ComplaintFiled,
    ComplaintForwarded,
    ComplaintRated,
    ComplaintRejected,
    ComplaintReopened,
    ComplaintResolved,
    ComplaintResponded,
    ComplaintSlaBreached,
    ComplaintSlaWarning,
    ComplaintStatusChanged,
    ComplaintVerified,
)
from shared.events.envelope import (
    CONTENT_TYPE,
    AnyEvent,
    CloudEvent,
    EventPayload,
    UnknownEventType,
    new_event,
    parse_event,
    payload_class,
    registered_types,
)
from shared.events.kpi import KpiTargetMissed
from shared.events.notifications import (
    NotificationDelivered,
    NotificationFailed,
    NotificationRequested,
    WebhookDeliveryFailed,
    WebhookEndpointDisabled,
)
from shared.events.surveys import (
    BurstTally,
    SurveyBurstEvent,
    SurveyBurstExcluded,
    SurveyBurstIncluded,
    SurveyInvitationCreated,
    SurveyInvitationCreatedV1,
    SurveyPeriodClosed,
    SurveyResponseRecorded,
)

__all__ = [
    "CONTENT_TYPE",
    "AgencyChanged",
    "AgencyCreated",
    "AnyEvent",
    "BurstTally",
    "CategoryChanged",
    "CategoryCreated",
    "CloudEvent",
    "ComplaintClosed",
    "ComplaintEvent",
    "ComplaintFiled",
    "ComplaintForwarded",
    "ComplaintRated",
    "ComplaintRejected",
    "ComplaintReopened",
    "ComplaintResolved",
    "ComplaintResponded",
    "ComplaintSlaBreached",
    "ComplaintSlaWarning",
    "ComplaintStatusChanged",
    "ComplaintVerified",
    "EventPayload",
    "KpiTargetMissed",
    "NotificationDelivered",
    "NotificationFailed",
    "NotificationRequested",
    "SurveyBurstEvent",
    "SurveyBurstExcluded",
    "SurveyBurstIncluded",
    "SurveyInvitationCreated",
    "SurveyInvitationCreatedV1",
    "SurveyPeriodClosed",
    "SurveyResponseRecorded",
    "UnknownEventType",
    "WebhookDeliveryFailed",
    "WebhookEndpointDisabled",
    "new_event",
    "parse_event",
    "payload_class",
    "registered_types",
]
