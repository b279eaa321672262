"""The CloudEvents 1.0 envelope and the base of every typed payload.

Wire format: CloudEvents *structured mode* over Kafka — the message value is the whole envelope
as JSON (``content-type: application/cloudevents+json``), the message key is the aggregate id,
which is also the envelope's ``subject``.
"""

from __future__ import annotations

import functools
import re
import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, Generic, Literal, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from shared.topics import Topic

CONTENT_TYPE = "application/cloudevents+json"
SCHEMA_URN_PREFIX = "urn:suara:events:"
_VERSION_SUFFIX = re.compile(r"\.v[1-9][0-9]*$")


class UnknownEventType(LookupError):
    """An envelope names a type that no payload model registers."""


class EventPayload(BaseModel):
    """Base of every event's ``data``.

    A subclass declares its versioned type, the topic it travels on and the field that holds
    the aggregate id (the Kafka key). Unknown fields are ignored when parsing, so adding an
    optional field to a payload never breaks an older consumer; anything else is a new version.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    event_type: ClassVar[str]
    topic: ClassVar[Topic]
    key_field: ClassVar[str]

    _registry: ClassVar[dict[str, type[EventPayload]]] = {}

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        event_type = cls.__dict__.get("event_type")
        if event_type is None:  # an abstract intermediate base
            return
        if not _VERSION_SUFFIX.search(event_type):  # "complaint.verified" is not versioned
            raise TypeError(f"{cls.__name__}.event_type {event_type!r} must end in a version (.v1)")
        if not isinstance(getattr(cls, "topic", None), Topic):
            raise TypeError(f"{cls.__name__}.topic must be a shared.topics.Topic")
        if cls.key_field not in cls.model_fields:
            raise TypeError(f"{cls.__name__}.key_field {cls.key_field!r} is not one of its fields")
        if event_type in EventPayload._registry:
            raise TypeError(f"event type {event_type!r} registered twice")
        EventPayload._registry[event_type] = cls

    def aggregate_id(self) -> str:
        return str(getattr(self, self.key_field))


P = TypeVar("P", bound=EventPayload)


class CloudEvent(BaseModel, Generic[P]):
    """A CloudEvents 1.0 envelope around one typed payload.

    Extension attributes a producer adds (``traceparent``, ``partitionkey``...) are accepted and
    ignored, as CloudEvents asks of consumers; the ``subject`` must be the payload's aggregate id.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(min_length=1, description="Unique and stable: consumers deduplicate on it.")
    source: str = Field(min_length=1, description="URI-reference of the producing service.")
    type: str = Field(min_length=1, description="Versioned event type, e.g. complaint.filed.v1.")
    time: AwareDatetime
    subject: str = Field(min_length=1, description="The aggregate id; also the Kafka key.")
    datacontenttype: Literal["application/json"] = "application/json"
    dataschema: str
    data: P

    @model_validator(mode="after")
    def _subject_is_the_aggregate(self) -> CloudEvent[P]:
        if self.subject != self.data.aggregate_id():
            raise ValueError(f"subject {self.subject!r} is not the payload's "
                             f"{self.data.key_field} {self.data.aggregate_id()!r}")
        return self


#: An envelope around any payload: what a consumer's handler receives (``event.data`` is the
#: type the envelope's ``type`` names).
AnyEvent = CloudEvent[Any]


@functools.cache
def envelope_class(payload: type[EventPayload]) -> type[CloudEvent[Any]]:
    """``CloudEvent[payload]``, built once and kept. Parametrising a pydantic generic is not
    cheap, and pydantic caches it only weakly: without this reference it was rebuilt after
    every garbage collection (0.5-2 ms an event, measured in the surveys benchmark)."""
    return CloudEvent[payload]  # type: ignore[valid-type]


def registered_types() -> dict[str, type[EventPayload]]:
    """Every event type known to this process, by its versioned name."""
    return dict(EventPayload._registry)


def payload_class(event_type: str) -> type[EventPayload]:
    try:
        return EventPayload._registry[event_type]
    except KeyError:
        raise UnknownEventType(event_type) from None


def new_event(payload: P, *, source: str, event_id: str | None = None,
              time: datetime | None = None) -> CloudEvent[P]:
    """Wrap a payload in a fresh envelope (new id, now, subject = aggregate id)."""
    return envelope_class(type(payload))(
        id=event_id or str(uuid.uuid4()),
        source=source,
        type=payload.event_type,
        time=time or datetime.now(UTC),
        subject=payload.aggregate_id(),
        dataschema=SCHEMA_URN_PREFIX + payload.event_type,
        data=payload,
    )


def parse_event(raw: bytes | str, event_type: str | None = None) -> CloudEvent[EventPayload]:
    """Parse a structured-mode message into its typed envelope; ``event_type`` is its type when
    the caller has read it already (``peek_type``): each read parses the whole JSON document.

    Raises ``pydantic.ValidationError`` for a malformed envelope or payload and
    ``UnknownEventType`` for a type that no model registers.
    """
    if event_type is None:
        event_type = _EnvelopeHeader.model_validate_json(raw).type
    return envelope_class(payload_class(event_type)).model_validate_json(raw)


class _EnvelopeHeader(BaseModel):
    """Only the envelope's type, read first to pick the payload model."""

    model_config = ConfigDict(extra="ignore")
    specversion: Literal["1.0"]
    type: str


def peek_type(raw: bytes | str) -> str:
    """The envelope's ``type``, without validating the payload (to route before parsing)."""
    return _EnvelopeHeader.model_validate_json(raw).type
