"""Every Kafka topic name of the platform, in one place.

Topics are named by the service that owns the aggregate; messages are keyed by the aggregate id
so that one complaint's (or survey's) events stay in order on one partition.

``notification.requested`` is the only event allowed to carry contact data (a citizen's e-mail
or phone number), so it travels on its own restricted topic that only the notifications service
reads: ACLs in production grant read access on it to that service alone.
"""

from __future__ import annotations

from enum import StrEnum


class Topic(StrEnum):
    COMPLAINTS = "suara.complaints"
    SURVEYS = "suara.surveys"
    KPI = "suara.kpi"
    NOTIFICATIONS = "suara.notifications"
    NOTIFICATION_REQUESTS = "suara.notification-requests"


#: Topics holding personal data. Nothing but ``notification.requested`` may be published there.
RESTRICTED_TOPICS: frozenset[Topic] = frozenset({Topic.NOTIFICATION_REQUESTS})

DLQ_SUFFIX = ".dlq"


def topic_name(topic: Topic | str, prefix: str = "") -> str:
    """The physical topic name: an optional prefix (tests, shared clusters) + the logical name."""
    return f"{prefix}{topic}"


def dead_letter_topic(source_topic: str) -> str:
    """Where messages from ``source_topic`` that keep failing are parked, with their error."""
    return f"{source_topic}{DLQ_SUFFIX}"


def all_topic_names(prefix: str = "") -> list[str]:
    """Every topic the platform uses, dead-letter topics included (for topic bootstrap)."""
    names = [topic_name(t, prefix) for t in Topic]
    return names + [dead_letter_topic(n) for n in names]
