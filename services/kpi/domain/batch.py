"""Folding events into a batch of additions to the projection. Pure.

A ``Batch`` collects what a run of events adds: cell sums, SKM tally rows, the touched
complaints' states, the newest catalogue entries and the event ids. The live consumer folds one
event per batch inside the handler's unit of work; ``suara-kpi rebuild`` folds many thousands
before writing, so both run exactly this code.

SKM rows are sums, so events fold in any order: a ``survey.burst_excluded`` subtracts the
burst's tallies (per period and day) from the rows its responses were added to, and
``survey.burst_included`` adds them back; a response that joined an excluded burst
(``in_excluded_burst``) adds nothing to them, since the next inclusion's tallies hold it. A
row of a batch may go negative; stored rows are the sum of every batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from services.kpi.domain.periods import month_start
from services.kpi.domain.projection import (
    DIMENSIONS,
    PLATFORM,
    CellKey,
    ComplaintState,
    Delta,
    apply_complaint,
    cells,
)
from shared.calendar import WorkingCalendar
from shared.events import (
    AgencyChanged,
    AgencyCreated,
    AnyEvent,
    CategoryChanged,
    CategoryCreated,
    ComplaintEvent,
    NotificationDelivered,
    NotificationFailed,
    SurveyBurstEvent,
    SurveyBurstExcluded,
    SurveyResponseRecorded,
)
from shared.ikm import ELEMENT_CODES

SkmKey = tuple[str, str, str, date]  # agency, unit ("" = post-complaint), survey period, day
_SKM_INDEX = {code: i for i, code in enumerate(ELEMENT_CODES)}


def custom_bin(scale_max: int, score: int) -> int:
    """The bin of a custom-survey answer: its scale and score (satisfaction needs both)."""
    return scale_max * 100 + score


@dataclass
class Batch:
    cells: dict[CellKey, list[int]] = field(default_factory=dict)
    skm: dict[SkmKey, list[int]] = field(default_factory=dict)  # respondents + 36 counts
    complaints: dict[str, ComplaintState] = field(default_factory=dict)
    agencies: dict[str, dict[str, Any]] = field(default_factory=dict)
    categories: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: int = 0

    def add(self, delta: Delta) -> None:
        """Add ``delta`` to each cell of ``projection.cells(delta)`` (the hot loop of a rebuild:
        the keys are reused per measure and day rather than made by a generator)."""
        day, agency, dims, measure, b, n, total = delta
        store = self.cells
        plan = _PLANS.get(measure)
        if plan is None:
            plan = _PLANS[measure] = _plan(measure)
        month = _MONTHS.get(day)
        if month is None:
            month = _MONTHS[day] = month_start(day)
        for grain, dim_index, name in plan:
            if dim_index < 0:
                key = (grain, day if grain == "d" else month, agency, name, "", measure, b)
            else:
                value = dims[dim_index]
                if not value:
                    continue
                key = (grain, day if grain == "d" else month, agency, name, value, measure, b)
            sums = store.get(key)
            if sums is None:
                store[key] = [n, total]
            else:
                sums[0] += n
                sums[1] += total

    def clear(self) -> None:
        self.cells.clear()
        self.skm.clear()
        self.complaints.clear()
        self.agencies.clear()
        self.categories.clear()
        self.events = 0


#: measure -> the cells a delta of it adds to: (grain, index into Dims or -1, dim name)
_PLANS: dict[str, tuple[tuple[str, int, str], ...]] = {}
_MONTHS: dict[date, date] = {}


def _plan(measure: str) -> tuple[tuple[str, int, str], ...]:
    """What ``projection.cells`` yields for a delta of ``measure``, as a plan (the test
    ``test_batch_adds_the_cells_of_each_delta`` holds the two equal)."""
    probe = Delta(date(2000, 1, 3), "a", tuple(f"v{i}" for i in range(len(DIMENSIONS))),  # type: ignore[arg-type]
                  measure)
    plan = []
    for grain, _start, _agency, dim, value, _m, _b in cells(probe):
        plan.append((grain, int(value[1:]) if value else -1, dim))
    return tuple(plan)


class Folder:
    """Folds events into a batch with one calendar and time zone."""

    def __init__(self, *, calendar: WorkingCalendar, zone: ZoneInfo) -> None:
        self.calendar = calendar
        self.zone = zone

    def fold(self, batch: Batch, event: AnyEvent, state: ComplaintState | None) -> None:
        """Add ``event``'s effects to ``batch``; ``state`` is its complaint's state before it
        (complaint events only), and the new state is kept in ``batch.complaints``."""
        data = event.data
        batch.events += 1
        if isinstance(data, ComplaintEvent):
            new, deltas = apply_complaint(state, data, calendar=self.calendar, zone=self.zone)
            batch.complaints[new.complaint_id] = new
            for d in deltas:
                batch.add(d)
        elif isinstance(data, SurveyResponseRecorded):
            self._survey(batch, data)
        elif isinstance(data, SurveyBurstEvent):
            _burst(batch, data)
        elif isinstance(data, AgencyCreated | AgencyChanged):
            _newest(batch.agencies, data.agency_id, {
                "agency_id": data.agency_id, "parent_id": data.parent_id, "kind": data.kind,
                "name_id": data.name_id, "name_en": data.name_en, "revision": data.revision})
        elif isinstance(data, CategoryCreated | CategoryChanged):
            _newest(batch.categories, data.category_code, {
                "category_code": data.category_code, "agency_id": data.agency_id,
                "name_id": data.name_id, "name_en": data.name_en, "integrity": data.integrity,
                "active": data.active, "revision": data.revision})
        elif isinstance(data, NotificationDelivered | NotificationFailed):
            measure = ("notification_delivered" if isinstance(data, NotificationDelivered)
                       else "notification_failed")
            day = data.occurred_at.astimezone(self.zone).date()
            batch.add(Delta(day, PLATFORM, ("", str(data.channel), "", "", ""), measure))

    def _survey(self, batch: Batch, e: SurveyResponseRecorded) -> None:
        day = e.occurred_at.astimezone(self.zone).date()
        unit = e.unit_id or ""
        channel = e.channel or ""
        batch.add(Delta(day, e.agency_id, ("", channel, "", "", unit), "survey_response"))
        if e.kind == "skm":
            if e.in_excluded_burst:
                return  # the surveys service leaves it out too (survey.burst_included adds it)
            row = _skm_row(batch, (e.agency_id, unit, e.period, day))
            row[0] += 1
            for code, score in e.scores.items():
                i = _SKM_INDEX.get(code)
                if i is not None and 1 <= score <= 4:
                    row[1 + 4 * i + score - 1] += 1
            return
        for score in e.scores.values():
            batch.add(Delta(day, e.agency_id, ("", "", "", "", unit), "custom_answer",
                            custom_bin(e.scale_max, score)))


def _skm_row(batch: Batch, key: SkmKey) -> list[int]:
    row = batch.skm.get(key)
    if row is None:
        row = batch.skm[key] = [0] * (1 + 4 * len(ELEMENT_CODES))
    return row


def _burst(batch: Batch, e: SurveyBurstEvent) -> None:
    """Take a burst's answers out of the SKM rows (excluded) or put them back (included)."""
    sign = -1 if isinstance(e, SurveyBurstExcluded) else 1
    unit = e.unit_id or ""
    for tally in e.tallies:
        row = _skm_row(batch, (e.agency_id, unit, tally.period, tally.day))
        row[0] += sign * tally.respondents
        for code, counts in tally.counts.items():
            i = _SKM_INDEX.get(code)
            if i is not None:
                for score, n in enumerate(counts):
                    row[1 + 4 * i + score] += sign * n


def _newest(into: dict[str, dict[str, Any]], key: str, values: dict[str, Any]) -> None:
    held = into.get(key)
    if held is None or held["revision"] < values["revision"]:
        into[key] = values
