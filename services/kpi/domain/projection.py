"""The projection: how one event changes a complaint's KPI state and the stored counts. Pure.

``apply_complaint(state, event, calendar, zone)`` returns the complaint's new state and the
*deltas* the event causes; ``cells(delta)`` says which stored cells each delta adds to. The
live consumer and ``suara-kpi rebuild`` both call these, so both give the same figures.

Counting rules (docs/kpi.md defines each indicator):

* Every delta is dated by the local date (``zone``) of a domain time: the event's
  ``occurred_at``, or for SLA compliance the deadline's ``due_at``. Never arrival time.
* A delta is counted for the agency responsible in the event (``agency_id``); the backlog
  entry of a complaint moves with it when it is forwarded (disposisi).
* Times to verification (verified or rejected), to first response and to the first resolution
  run from ``filed_at``, in working days (``shared.calendar``) and in seconds, and are dated by
  the step's day.
* SLA: a deadline counts as *due* once it is settled: its step was done (met when done at or
  before ``due_at``) or ``complaint.sla_breached`` reported it missed, whichever comes first;
  it is dated by ``due_at``'s local day. The resolution SLA is the first resolution's.
* Backlog: a complaint is open from its filing (or reopening) until it is resolved, rejected or
  closed. Open counts are stored as +1/-1 per day and per filing day (the cohort), so the
  backlog and its age at any day's end is a sum; they are kept per month (and, rolled up, per
  quarter and year) too, so that the sum reads the whole years, quarters and months before the
  day and only the days of its own month.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

from services.kpi.domain.histogram import seconds_bin, wd_bin
from services.kpi.domain.periods import month_start, quarter_start
from shared.calendar import WorkingCalendar
from shared.events import (
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
    ComplaintVerified,
)

#: The dimensions a complaint's counts are broken down by, in the order of ``Dims``.
DIMENSIONS: tuple[str, ...] = ("category", "channel", "region", "privacy", "unit")
Dims = tuple[str, str, str, str, str]
NO_DIMS: Dims = ("", "", "", "", "")
#: Stored per day and in total only (never per month or dimension).
DAY_ONLY = frozenset({"open"})
#: Also broken down per day (the integrity and privacy shares of a day or a week need them).
DAY_DIMS = frozenset({"filed"})
#: SLA deadlines whose compliance is measured.
SLA_DEADLINES = ("verification", "first_response", "resolution")
PLATFORM = "*"  # the agency key of platform-wide counts (notifications name no agency)


class Delta(NamedTuple):  # a tuple: a rebuild makes millions of them
    day: date
    agency: str
    dims: Dims
    measure: str
    bin: int = 0
    n: int = 1
    total: int = 0


#: grain, start, agency, dim, value, measure, bin
CellKey = tuple[str, date, str, str, str, str, int]


#: Histograms of durations: per day and month in total, per month broken down by category
#: only. (Before 2026-12-07 a day kept its seconds as one sum, bin -1: such a day has no hour
#: percentile until ``suara-kpi rebuild``.)
HISTOGRAMS = frozenset(f"{stage}_{unit}" for stage in ("ttv", "ttfr", "ttr")
                       for unit in ("wd", "s"))
BACKLOG_DIM = "backlog"


def cells(delta: Delta) -> Iterator[CellKey]:
    """The stored cells a delta adds to: the day's total, the month's total and the month's
    cell of each known dimension value (histograms: of the category only)."""
    d = delta
    measure = d.measure
    hist = measure in HISTOGRAMS
    if measure in DAY_ONLY:  # under a dimension of its own: read without the other cells
        yield ("d", d.day, d.agency, BACKLOG_DIM, "", measure, d.bin)
        yield ("m", month_start(d.day), d.agency, BACKLOG_DIM, "", measure, d.bin)
        return
    yield ("d", d.day, d.agency, "", "", measure, d.bin)
    if measure in DAY_DIMS:
        for name, value in zip(DIMENSIONS, d.dims, strict=True):
            if value:
                yield ("d", d.day, d.agency, name, value, measure, d.bin)
    month = month_start(d.day)
    yield ("m", month, d.agency, "", "", measure, d.bin)
    if hist:
        if d.dims[0]:
            yield ("m", month, d.agency, "category", d.dims[0], measure, d.bin)
        return
    for name, value in zip(DIMENSIONS, d.dims, strict=True):
        if value:
            yield ("m", month, d.agency, name, value, measure, d.bin)


#: The coarser grains every monthly cell is also added to (``rollup``): a quarter's or a year's
#: figures then read a few hundred rows per agency instead of every month's.
COARSE_GRAINS = ("q", "y")


def rollup(sums: dict[CellKey, list[int]]) -> dict[CellKey, list[int]]:
    """``sums`` with each monthly cell's sums also added to its quarter's (``q``, dated by the
    quarter's first day) and its year's (``y``) cell. Applied when a batch is written, to the
    batch's cells (a sum of sums: the same whether the events came one by one or in bulk)."""
    out = dict(sums)
    firsts: dict[date, tuple[date, date]] = {}
    for key, (n, total) in sums.items():
        if key[0] != "m":
            continue
        start = key[1]
        quarter, year = firsts.get(start) or firsts.setdefault(
            start, (quarter_start(start), start.replace(month=1)))
        rest = key[2:]
        for coarse in (("q", quarter, *rest), ("y", year, *rest)):
            held = out.get(coarse)
            if held is None:
                out[coarse] = [n, total]
            else:
                held[0] += n  # a list of this function's own (no cell of sums is q or y)
                held[1] += total
    return out


@dataclass(slots=True)
class ComplaintState:
    """What the projection keeps of one complaint (no personal data: ids and facts only)."""

    complaint_id: str
    agency_id: str
    category_code: str
    channel: str = ""
    privacy: str = ""
    region_code: str = ""
    unit_id: str = ""
    filed_at: datetime | None = None
    verification_due_at: datetime | None = None
    decided_at: datetime | None = None  # verified or rejected
    first_response_due_at: datetime | None = None
    resolution_due_at: datetime | None = None
    first_responded_at: datetime | None = None
    first_resolved_at: datetime | None = None
    open_agency: str | None = None  # whose backlog holds it; None when not open
    cohort: date | None = None  # local filing day (the backlog's age counts from it)
    settled: str = ""  # SLA deadlines settled: letters v, f, r
    extra: dict[str, str] = field(default_factory=dict)

    def dims(self) -> Dims:
        return (self.category_code, self.channel, self.region_code, self.privacy, self.unit_id)


_LETTER = {"verification": "v", "first_response": "f", "resolution": "r"}


class _Fold:
    """Collects the deltas of one event."""

    def __init__(self, state: ComplaintState, zone: ZoneInfo, cal: WorkingCalendar) -> None:
        self.s = state
        self.zone = zone
        self.cal = cal
        self.out: list[Delta] = []
        self._last: datetime | None = None
        self._last_day = date.min

    def day(self, moment: datetime) -> date:
        if moment is not self._last:
            self._last, self._last_day = moment, moment.astimezone(self.zone).date()
        return self._last_day

    def count(self, measure: str, at: datetime, agency: str, *, bin: int = 0, n: int = 1,
              total: int = 0) -> None:
        self.out.append(Delta(self.day(at), agency, self.s.dims(), measure, bin, n, total))

    def duration(self, stage: str, at: datetime, agency: str) -> int | None:
        """Histogram deltas of the time from filing to ``at``; the working days, or None."""
        filed = self.s.filed_at
        if filed is None:
            return None
        wd = max(self.cal.working_days_between(filed, at), 0)
        seconds = max(int((at - filed).total_seconds()), 0)
        self.count(f"{stage}_wd", at, agency, bin=wd_bin(wd), total=wd)
        self.count(f"{stage}_s", at, agency, bin=seconds_bin(seconds), total=seconds)
        return wd

    def settle(self, deadline: str, due: datetime | None, done_at: datetime | None,
               agency: str) -> None:
        """Count a deadline as due (and met) once, dated by its due day."""
        letter = _LETTER[deadline]
        if due is None or letter in self.s.settled:
            return
        self.s.settled += letter
        self.count(f"sla_{deadline}_due", due, agency)
        if done_at is not None and done_at <= due:
            self.count(f"sla_{deadline}_met", due, agency)

    def open(self, at: datetime, agency: str) -> None:
        if self.s.open_agency is not None or self.s.cohort is None:
            return
        self.s.open_agency = agency
        self.out.append(Delta(self.day(at), agency, NO_DIMS, "open",
                              self.s.cohort.toordinal(), 1))

    def leave(self, at: datetime) -> None:
        if self.s.open_agency is None or self.s.cohort is None:
            return
        self.out.append(Delta(self.day(at), self.s.open_agency, NO_DIMS, "open",
                              self.s.cohort.toordinal(), -1))
        self.s.open_agency = None


def new_state(event: ComplaintEvent) -> ComplaintState:
    """The state of a complaint first seen through ``event``."""
    if isinstance(event, ComplaintFiled):
        return ComplaintState(
            event.complaint_id, event.agency_id, event.category_code, channel=str(event.channel),
            privacy=str(event.privacy), region_code=event.region_code or "",
            unit_id=event.unit_id or "")
    # a complaint whose filing this projection never saw: counted without its dimensions
    return ComplaintState(event.complaint_id, event.agency_id, event.category_code)


def apply_complaint(state: ComplaintState | None, event: ComplaintEvent, *,
                    calendar: WorkingCalendar, zone: ZoneInfo,
                    ) -> tuple[ComplaintState, list[Delta]]:
    """The complaint's state after ``event`` (``state`` is updated in place and returned) and
    the deltas it causes."""
    s = state if state is not None else new_state(event)
    f = _Fold(s, zone, calendar)
    at, agency = event.occurred_at, event.agency_id
    e = event
    if isinstance(e, ComplaintFiled):
        if s.cohort is not None:
            return s, []  # the same complaint filed twice (another event id): once only
        s.filed_at = at
        s.cohort = f.day(at)
        s.verification_due_at = e.verification_due_at
        s.category_code = e.category_code
        f.count("filed", at, agency)
        f.open(at, agency)
    elif isinstance(e, ComplaintVerified | ComplaintRejected):
        if s.decided_at is None:
            s.decided_at = at
            f.duration("ttv", at, agency)
            f.settle("verification", s.verification_due_at, at, agency)
        if isinstance(e, ComplaintVerified):
            s.first_response_due_at = e.first_response_due_at
            if s.resolution_due_at is None:
                s.resolution_due_at = e.resolution_due_at
            f.count("verified", at, agency)
        else:
            f.count("rejected", at, agency)
            f.count(f"rejected_{e.reason}", at, agency)
            f.leave(at)
    elif isinstance(e, ComplaintForwarded):
        f.count("forwarded", at, e.from_agency_id)
        f.count("forward_received", at, agency)
        if s.open_agency is not None and s.open_agency != agency:
            f.leave(at)
            f.open(at, agency)
    elif isinstance(e, ComplaintResponded):
        f.count("responded", at, agency)
        if s.filed_at is None:
            s.filed_at = e.filed_at
        if s.first_responded_at is None:
            s.first_responded_at = at
            f.count("first_responded", at, agency)
            f.duration("ttfr", at, agency)
            f.settle("first_response", e.first_response_due_at or s.first_response_due_at, at,
                     agency)
    elif isinstance(e, ComplaintResolved):
        f.count("resolved", at, agency)
        if s.filed_at is None:
            s.filed_at = e.filed_at
        if s.first_resolved_at is None:
            s.first_resolved_at = at
            f.count("resolved_first", at, agency)
            wd = f.duration("ttr", at, agency)
            if wd is not None and wd <= 5:
                f.count("resolved_5wd", at, agency)
            f.settle("resolution", s.resolution_due_at or e.resolution_due_at, at, agency)
        f.leave(at)
    elif isinstance(e, ComplaintReopened):
        f.count("reopened", at, agency)
        f.open(at, agency)
    elif isinstance(e, ComplaintClosed):
        f.count("closed", at, agency)
        f.count(f"closed_{e.outcome}", at, agency)
        f.leave(at)
    elif isinstance(e, ComplaintRated):
        f.count("rated", at, agency, bin=e.score, total=e.score)
    elif isinstance(e, ComplaintSlaWarning):
        f.count(f"sla_warning_{e.deadline}", at, agency)
        f.count("sla_warnings", at, agency)
    elif isinstance(e, ComplaintSlaBreached):
        f.count(f"sla_breach_{e.deadline}", at, agency)
        f.count("sla_breaches", at, agency)
        if e.deadline in _LETTER:
            expected = {"verification": s.verification_due_at,
                        "first_response": s.first_response_due_at,
                        "resolution": s.resolution_due_at}[str(e.deadline)]
            # a breach of a later deadline (a reopen's new resolution deadline) is not the one
            # measured: only counted as a breach
            if expected is None or expected == e.due_at:
                f.settle(str(e.deadline), e.due_at, None, agency)
    return s, f.out
