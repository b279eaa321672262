"""The event payloads: every registered type round-trips, and none leaks personal data."""

from __future__ import annotations

import json
import re
import typing
from datetime import datetime, timedelta, timezone
from typing import Any

import pydantic
import pytest
from pydantic import BaseModel

import shared.events  # registers every event type
from shared.events import (
    CloudEvent,
    EventPayload,
    UnknownEventType,
    new_event,
    parse_event,
    payload_class,
    registered_types,
)
from shared.topics import RESTRICTED_TOPICS, Topic

WIB = timezone(timedelta(hours=7))
T0 = datetime(2025, 6, 2, 9, 15, tzinfo=WIB)
COMPLAINT = "5f0c3c8e-4d0b-4a53-9b67-2f6a1d6f8a11"
AGENCY = "b1a7e2c4-93d0-4c8f-8a55-0d1e2f3a4b5c"
OTHER_AGENCY = "c2b8f3d5-a4e1-4d90-9b66-1e2f3a4b5c6d"
SURVEY = "0d9e8f7a-6b5c-4d3e-8f2a-1b0c9d8e7f6a"
INVITATION = "7e6d5c4b-3a29-4180-9f7e-6d5c4b3a2918"
NOTIFICATION = "a9b8c7d6-e5f4-4a3b-8c2d-1e0f9a8b7c6d"
BASE = {"complaint_id": COMPLAINT, "agency_id": AGENCY, "category_code": "INFRA.ROAD",
        "occurred_at": T0}

SAMPLES: dict[str, dict[str, Any]] = {
    "complaint.filed.v1": {**BASE, "channel": "mobile", "privacy": "confidential",
                           "unit_id": "unit-dinas-pu", "region_code": "31.71.01",
                           "verification_due_at": T0 + timedelta(days=1)},
    "complaint.verified.v1": {**BASE, "complexity": "normal",
                              "first_response_due_at": T0 + timedelta(days=2),
                              "resolution_due_at": T0 + timedelta(days=5)},
    "complaint.rejected.v1": {**BASE, "reason": "duplicate", "duplicate_of": "c-0042"},
    "complaint.forwarded.v1": {**BASE, "agency_id": OTHER_AGENCY, "from_agency_id": AGENCY,
                               "forward_position": 1},
    "complaint.responded.v1": {**BASE, "first_response": True, "filed_at": T0 - timedelta(hours=30),
                               "first_response_due_at": T0 + timedelta(hours=18)},
    "complaint.status_changed.v1": {**BASE, "from_status": "verified", "to_status": "forwarded"},
    "complaint.resolved.v1": {**BASE, "filed_at": T0 - timedelta(days=4),
                              "resolution_due_at": T0 + timedelta(days=1), "complexity": "simple",
                              "survey_token_sha256": "ab" * 32},
    "complaint.reopened.v1": {**BASE, "reopen_count": 1, "initiator": "citizen",
                              "resolution_due_at": T0 + timedelta(days=3)},
    "complaint.closed.v1": {**BASE, "outcome": "resolved"},
    "complaint.rated.v1": {**BASE, "score": 4},
    "complaint.sla_warning.v1": {**BASE, "deadline": "first_response",
                                 "due_at": T0 + timedelta(hours=4)},
    "complaint.sla_breached.v1": {**BASE, "deadline": "resolution", "due_at": T0},
    "survey.invitation_created.v1": {
        "invitation_id": INVITATION, "survey_id": SURVEY, "complaint_id": COMPLAINT,
        "agency_id": AGENCY, "invitation_url": "https://suara.example.go.id/s/Zx81kQ",
        "expires_at": T0 + timedelta(days=14), "occurred_at": T0},
    "survey.invitation_created.v2": {
        "invitation_id": INVITATION, "survey_id": SURVEY, "complaint_id": COMPLAINT,
        "agency_id": AGENCY, "expires_at": T0 + timedelta(days=14), "occurred_at": T0},
    "agency.created.v1": {"agency_id": AGENCY, "parent_id": None, "kind": "regional",
                          "name_id": "Pemerintah Kota Bandung",
                          "name_en": "Bandung City Government", "revision": 1,
                          "occurred_at": T0},
    "agency.changed.v1": {"agency_id": OTHER_AGENCY, "parent_id": AGENCY, "kind": "unit",
                          "name_id": "Dinas PUPR", "name_en": "Public Works", "revision": 2,
                          "occurred_at": T0},
    "category.created.v1": {"category_code": "INFRA.ROAD", "agency_id": AGENCY,
                            "name_id": "Jalan rusak", "name_en": "Damaged road",
                            "complexity": "normal", "integrity": False, "active": True,
                            "revision": 1, "occurred_at": T0},
    "category.changed.v1": {"category_code": "PUNGLI", "agency_id": AGENCY,
                            "name_id": "Pungutan liar", "name_en": "Extortion by staff",
                            "complexity": "complex", "integrity": True, "active": True,
                            "revision": 3, "occurred_at": T0},
    "survey.response_recorded.v1": {
        "response_id": "r-000187", "survey_id": SURVEY, "survey_version": 2, "kind": "skm",
        "agency_id": AGENCY, "unit_id": "unit-disdukcapil", "service_id": "svc-ktp-el",
        "period": "2025-Q2", "scale_max": 4,
        "scores": {f"U{i}": 1 + i % 4 for i in range(1, 10)},
        "respondent": {"age_band": "30_39", "sex": "female", "education": "bachelor",
                       "occupation": "private_employee"},
        "occurred_at": T0},
    "survey.period_closed.v1": {
        "survey_id": SURVEY, "survey_version": 2, "kind": "skm", "agency_id": AGENCY,
        "unit_id": "unit-disdukcapil", "period": "2025-Q2", "response_count": 412,
        "ikm": 82.47, "grade": "B", "occurred_at": T0},
    **{f"survey.burst_{change}.v1": {
        "burst_id": "4c1f9d2e-8b7a-5e6d-9c0b-1a2b3c4d5e6f", "survey_id": SURVEY,
        "agency_id": AGENCY, "unit_id": "unit-disdukcapil", "period": "2025-Q2",
        "window_start": T0, "respondents": 23,
        "tallies": [{"period": "2025-Q2", "day": "2025-06-01", "respondents": 2,
                     "counts": {f"U{i}": [2, 0, 0, 0] for i in range(1, 10)}},
                    {"period": "2025-Q2", "day": "2025-06-02", "respondents": 21,
                     "counts": {f"U{i}": [20, 1, 0, 0] for i in range(1, 10)}}],
        "occurred_at": T0} for change in ("excluded", "included")},
    "kpi.target_missed.v1": {
        "agency_id": AGENCY, "indicator_code": "sla_compliance", "period": "2025-05",
        "category_code": "INFRA.ROAD", "value": 71.5, "target": 90.0,
        "comparison": "at_least", "measure": "percent", "occurred_at": T0},
    "notification.requested.v1": {
        "notification_id": NOTIFICATION, "channel": "sms", "recipient": "+6281234567890",
        "audience": "citizen", "locale": "id", "template_name": "complaint_status_changed",
        "template_variables": {"tracking_code": "SR-2025-00042", "status": "forwarded"},
        "complaint_id": COMPLAINT, "causation_event_id": "e-1", "occurred_at": T0},
    "notification.delivered.v1": {"notification_id": NOTIFICATION, "channel": "sms",
                                  "attempts": 1, "occurred_at": T0},
    "notification.failed.v1": {"notification_id": NOTIFICATION, "channel": "email",
                               "reason": "bounced", "attempts": 3, "occurred_at": T0},
    "webhook.delivery_failed.v1": {
        "subscription_id": "sub-17", "event_id": "e-9001",
        "failed_event_type": "complaint.forwarded.v1", "attempts": 8,
        "last_status_code": 503, "occurred_at": T0},
    "webhook.endpoint_disabled.v1": {
        "subscription_id": "sub-17", "agency_id": "dpupr-bdg", "reason": "failing",
        "url": "https://hooks.dpupr.go.id/suara",
        "failing_since": T0, "occurred_at": T0},
}

REQUIRED_TYPES = {
    *(f"complaint.{name}.v1" for name in (
        "filed", "verified", "rejected", "forwarded", "responded", "status_changed", "resolved",
        "reopened", "closed", "rated", "sla_warning", "sla_breached")),
    "survey.invitation_created.v1", "survey.response_recorded.v1", "survey.period_closed.v1",
    "kpi.target_missed.v1", "notification.requested.v1", "notification.delivered.v1",
    "notification.failed.v1", "webhook.delivery_failed.v1",
}
PERSONAL_WORDS = ("name", "nik", "phone", "email", "address", "contact", "recipient",
                  "description", "comment", "text", "message")
ALLOWED_PERSONAL_DATA = {"notification.requested.v1"}
#: An agency's or a category's name is the catalogue's, not a person's.
CATALOGUE_NAMES = {"name_id", "name_en"}


def sample_event(event_type: str) -> CloudEvent[Any]:
    payload = payload_class(event_type).model_validate(SAMPLES[event_type])
    return new_event(payload, source="/suara/tests", event_id=f"evt-{event_type}", time=T0)


def fields_of(model: type[BaseModel], prefix: str = "") -> list[tuple[str, Any]]:
    """Every (dotted field path, FieldInfo) of a model and of the models nested in it."""
    found = []
    for name, info in model.model_fields.items():
        found.append((prefix + name, info))
        for arg in _type_args(info.annotation):
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                found += fields_of(arg, f"{prefix}{name}.")
    return found


def _type_args(tp: Any) -> list[Any]:
    """``tp`` and every type inside it (unions, Optional, dict/list arguments, Annotated)."""
    return [tp, *(inner for arg in typing.get_args(tp) for inner in _type_args(arg))]


def test_every_registered_type_has_a_sample() -> None:
    assert set(SAMPLES) == set(registered_types())


def test_every_issue_listed_type_is_registered() -> None:
    assert REQUIRED_TYPES <= set(registered_types())


@pytest.mark.parametrize("event_type", sorted(registered_types()))
def test_round_trip(event_type: str) -> None:
    event = sample_event(event_type)
    parsed = parse_event(event.model_dump_json())
    assert parsed == event
    assert type(parsed.data) is payload_class(event_type)
    assert parsed.type == event_type
    assert parsed.subject == parsed.data.aggregate_id() == SAMPLES[event_type][
        payload_class(event_type).key_field]
    assert parse_event(event.model_dump_json().encode()) == event  # bytes, as Kafka gives them


@pytest.mark.parametrize("event_type", sorted(registered_types()))
def test_every_type_is_versioned_with_a_topic_and_key(event_type: str) -> None:
    cls = payload_class(event_type)
    assert re.search(r"\.v[1-9][0-9]*$", event_type) and cls.event_type == event_type
    assert isinstance(cls.topic, Topic)
    assert cls.key_field in cls.model_fields


@pytest.mark.parametrize("event_type", sorted(registered_types()))
def test_every_field_is_described(event_type: str) -> None:
    undescribed = [path for path, info in fields_of(payload_class(event_type))
                   if not info.description]
    assert undescribed == []


def test_unknown_type_raises() -> None:
    raw = json.loads(sample_event("complaint.rated.v1").model_dump_json())
    raw["type"] = "complaint.teleported.v1"
    with pytest.raises(UnknownEventType):
        parse_event(json.dumps(raw))


@pytest.mark.parametrize("breakage", [
    lambda e: e.pop("id"),
    lambda e: e.update(specversion="0.3"),
    lambda e: e.update(time="2025-06-02T09:15:00"),  # naive timestamp
    lambda e: e["data"].update(score=6),
    lambda e: e["data"].pop("complaint_id"),
    lambda e: e.update(data="not an object"),
])
def test_malformed_envelope_raises_validation_error(breakage: Any) -> None:
    raw = json.loads(sample_event("complaint.rated.v1").model_dump_json())
    breakage(raw)
    with pytest.raises(pydantic.ValidationError):
        parse_event(json.dumps(raw))


@pytest.mark.parametrize("raw", [b"", b"not json", b"[]", b'{"type": "complaint.rated.v1"}'])
def test_garbage_raises_validation_error(raw: bytes) -> None:
    with pytest.raises(pydantic.ValidationError):
        parse_event(raw)


def test_unknown_payload_field_is_tolerated() -> None:
    event = sample_event("complaint.filed.v1")
    raw = json.loads(event.model_dump_json())
    raw["data"]["field_added_in_a_later_minor_change"] = {"x": 1}
    assert parse_event(json.dumps(raw)) == event


def test_no_domain_event_has_a_personal_data_field() -> None:
    offenders = [
        f"{event_type}: {path}"
        for event_type, cls in sorted(registered_types().items())
        if event_type not in ALLOWED_PERSONAL_DATA
        for path, info in fields_of(cls)
        if not (event_type.startswith(("agency.", "category.")) and path in CATALOGUE_NAMES)
        for word in PERSONAL_WORDS
        if word in path.lower() or word in (info.alias or "").lower()
    ]
    assert offenders == []


def test_the_scan_would_see_a_personal_field() -> None:
    class Leaky(shared.events.ComplaintRated):  # no event_type of its own: not registered
        reporter_phone: str = "+628123"

    assert any("phone" in path for path, _ in fields_of(Leaky))
    assert "recipient" in dict(fields_of(payload_class("notification.requested.v1")))


def test_only_notification_requested_uses_the_restricted_topic() -> None:
    on_restricted = {t for t, cls in registered_types().items() if cls.topic in RESTRICTED_TOPICS}
    assert on_restricted == {"notification.requested.v1"}
    assert payload_class("notification.requested.v1").topic is Topic.NOTIFICATION_REQUESTS


def test_recipient_is_kept_out_of_repr() -> None:
    event = sample_event("notification.requested.v1")
    assert "+6281234567890" not in repr(event)
    assert "SR-2025-00042" not in repr(event)


@pytest.mark.parametrize(("event_type", "change"), [
    ("notification.requested.v1", {"channel": "email"}),  # a phone number is not an address
    ("notification.requested.v1", {"recipient": "0812-345"}),  # not E.164
    ("survey.response_recorded.v1", {"scores": {"U1": 5}}),  # above the SKM's 1-4 scale
    ("complaint.filed.v1", {"region_code": "31.71.01.1001"}),  # village: too precise
    ("kpi.target_missed.v1", {"period": "2025-13"}),
    ("survey.burst_excluded.v1", {"respondents": 24}),  # not the tallies' sum
    ("survey.burst_excluded.v1", {"tallies": [{"period": "2025-Q2", "day": "2025-06-02",
                                               "respondents": 23, "counts": {"U1": [23, 0]}}]}),
    ("complaint.filed.v1", {"occurred_at": datetime(2025, 6, 2, 9, 15)}),  # naive
])
def test_invalid_payloads_are_refused(event_type: str, change: dict[str, Any]) -> None:
    with pytest.raises(pydantic.ValidationError):
        payload_class(event_type).model_validate({**SAMPLES[event_type], **change})


def test_a_type_without_a_version_is_refused() -> None:
    with pytest.raises(TypeError, match="version"):
        class Unversioned(EventPayload):  # "verified" starts with a v but is no version
            event_type = "complaint.verified"
            topic = Topic.COMPLAINTS
            key_field = "complaint_id"
            complaint_id: str

    assert "complaint.verified" not in registered_types()


def test_envelope_extension_attributes_are_tolerated() -> None:
    event = sample_event("complaint.filed.v1")
    raw = json.loads(event.model_dump_json())
    raw["traceparent"] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    assert parse_event(json.dumps(raw)) == event


def test_subject_must_be_the_aggregate_id() -> None:
    raw = json.loads(sample_event("complaint.filed.v1").model_dump_json())
    raw["subject"] = "some-other-complaint"
    with pytest.raises(pydantic.ValidationError, match="subject"):
        parse_event(json.dumps(raw))


def test_a_type_without_a_topic_is_refused() -> None:
    with pytest.raises(TypeError, match="topic"):
        class Topicless(EventPayload):
            event_type = "test.topicless.v1"
            key_field = "thing_id"
            thing_id: str

    assert "test.topicless.v1" not in registered_types()
