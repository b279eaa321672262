"""Events for the KPI tests: a complaint's lifecycle, catalogue entries, survey responses."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from shared.calendar import WorkingCalendar
from shared.events import (
    AgencyCreated,
    CategoryCreated,
    CloudEvent,
    ComplaintClosed,
    ComplaintFiled,
    ComplaintForwarded,
    ComplaintRated,
    ComplaintRejected,
    ComplaintReopened,
    ComplaintResolved,
    ComplaintResponded,
    ComplaintSlaBreached,
    ComplaintVerified,
    EventPayload,
    SurveyResponseRecorded,
    new_event,
)

WIB = ZoneInfo("Asia/Jakarta")
CAL = WorkingCalendar()


def at(text: str) -> datetime:
    """A local (WIB) time, '2026-10-05 09:00'."""
    return datetime.fromisoformat(text).replace(tzinfo=WIB)


def wrap(payload: EventPayload, *, event_id: str | None = None,
         recorded: datetime | None = None) -> CloudEvent[Any]:
    return new_event(payload, source="/suara/test", event_id=event_id,
                     time=recorded or getattr(payload, "occurred_at", None))


def agency(agency_id: str, parent: str | None = None, revision: int = 1,
           name: str | None = None) -> CloudEvent[Any]:
    return wrap(AgencyCreated(agency_id=agency_id, parent_id=parent,
                              kind="unit" if parent else "regional",
                              name_id=name or f"Dinas {agency_id}",
                              name_en=name or f"Agency {agency_id}", revision=revision,
                              occurred_at=at("2026-01-01 08:00")))


def category(code: str, agency_id: str, *, integrity: bool = False) -> CloudEvent[Any]:
    return wrap(CategoryCreated(category_code=code, agency_id=agency_id, name_id=f"Kategori {code}",
                                name_en=f"Category {code}", complexity="normal",
                                integrity=integrity, revision=1,
                                occurred_at=at("2026-01-01 08:00")))


@dataclass
class Complaint:
    """Builds one complaint's events in order (deadlines from the shared calendar)."""

    agency_id: str
    category_code: str = "jalan"
    channel: str = "web"
    privacy: str = "public"
    region_code: str | None = "32.73"
    unit_id: str | None = None
    complaint_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    filed_at: datetime | None = None
    events: list[CloudEvent[Any]] = field(default_factory=list)
    resolution_due: datetime | None = None
    first_response_due: datetime | None = None
    resolved_once: bool = False
    responded_once: bool = False

    def _base(self, when: datetime, agency: str | None = None) -> dict[str, Any]:
        return {"complaint_id": self.complaint_id, "agency_id": agency or self.agency_id,
                "category_code": self.category_code, "occurred_at": when}

    def _add(self, payload: EventPayload, recorded: datetime | None = None) -> Complaint:
        self.events.append(wrap(payload, recorded=recorded))
        return self

    def file(self, when: datetime, recorded: datetime | None = None) -> Complaint:
        self.filed_at = when
        return self._add(ComplaintFiled(
            **self._base(when), channel=self.channel, privacy=self.privacy,
            unit_id=self.unit_id, region_code=self.region_code,
            verification_due_at=CAL.add_working_days(when, 3)), recorded)

    def verify(self, when: datetime) -> Complaint:
        self.first_response_due = CAL.add_working_days(when, 3)
        self.resolution_due = CAL.add_working_days(when, 5)
        return self._add(ComplaintVerified(**self._base(when), complexity="normal",
                                           first_response_due_at=self.first_response_due,
                                           resolution_due_at=self.resolution_due))

    def reject(self, when: datetime, reason: str = "incomplete") -> Complaint:
        return self._add(ComplaintRejected(**self._base(when), reason=reason))

    def forward(self, when: datetime, to: str, position: int = 1) -> Complaint:
        old = self.agency_id
        self.agency_id = to
        return self._add(ComplaintForwarded(**self._base(when), from_agency_id=old,
                                            forward_position=position))

    def respond(self, when: datetime) -> Complaint:
        assert self.filed_at is not None
        first = not self.responded_once
        self.responded_once = True
        return self._add(ComplaintResponded(**self._base(when), first_response=first,
                                            filed_at=self.filed_at,
                                            first_response_due_at=self.first_response_due))

    def resolve(self, when: datetime) -> Complaint:
        assert self.filed_at is not None
        self.resolved_once = True
        return self._add(ComplaintResolved(**self._base(when), filed_at=self.filed_at,
                                           resolution_due_at=self.resolution_due))

    def reopen(self, when: datetime, count: int = 1) -> Complaint:
        return self._add(ComplaintReopened(**self._base(when), reopen_count=count,
                                           initiator="citizen",
                                           resolution_due_at=CAL.add_working_days(when, 5)))

    def close(self, when: datetime, outcome: str = "resolved") -> Complaint:
        return self._add(ComplaintClosed(**self._base(when), outcome=outcome))

    def rate(self, when: datetime, score: int) -> Complaint:
        return self._add(ComplaintRated(**self._base(when), score=score))

    def breach(self, deadline: str, due: datetime) -> Complaint:
        return self._add(ComplaintSlaBreached(**self._base(due + timedelta(seconds=1)),
                                              deadline=deadline, due_at=due))


def skm_response(agency_id: str, unit_id: str | None, period: str, when: datetime,
                 scores: dict[str, int], survey_id: str = "survey-1") -> CloudEvent[Any]:
    return wrap(SurveyResponseRecorded(
        response_id=str(uuid.uuid4()), survey_id=survey_id, survey_version=1, kind="skm",
        agency_id=agency_id, unit_id=unit_id, period=period, scale_max=4, scores=scores,
        occurred_at=when))


def custom_response(agency_id: str, when: datetime, scores: dict[str, int],
                    scale_max: int = 5) -> CloudEvent[Any]:
    return wrap(SurveyResponseRecorded(
        response_id=str(uuid.uuid4()), survey_id="custom-1", survey_version=1, kind="custom",
        agency_id=agency_id, unit_id="unit-1", period="2026-10", scale_max=scale_max,
        scores=scores, occurred_at=when))
