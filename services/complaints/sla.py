"""Service-level deadlines in Indonesian working days. Pure: no I/O, no clock.

Which days are working days, and how they are counted (the day something happens never
counts; a deadline is the end, 23:59:59 Asia/Jakarta, of the n-th working day after it), is
``shared.calendar``: the KPI service counts with the same calendar. The rules added here:

* Each deadline is a number of working days after the filing (``SlaPolicy``): verification 3,
  forwarding 3, first response 5, resolution 5 / 14 / 60 by complexity class.
* A warning is due ``warning_days`` (default 1) working day before a deadline: at the end of the
  working day before the deadline's day, when exactly one working day is left. With the default
  periods (>= 3 days) it always falls after the filing time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from shared.calendar import (  # re-exported: the SLA rules are written in these terms
    JAKARTA,
    WorkingCalendar,
    end_of_day,
    local_date,
    package_collective_leave,
)

__all__ = ["JAKARTA", "Complexity", "Deadlines", "Milestone", "SlaPolicy", "WorkingCalendar",
           "end_of_day", "local_date", "package_collective_leave"]


class Complexity(StrEnum):
    SIMPLE = "simple"
    NORMAL = "normal"
    COMPLEX = "complex"


class Milestone(StrEnum):
    """The steps that carry a deadline."""

    VERIFY = "verify"
    FORWARD = "forward"
    FIRST_RESPONSE = "first_response"
    RESOLUTION = "resolution"


@dataclass(frozen=True)
class Deadlines:
    """Every deadline of one complaint, measured from its filing."""

    verify_by: datetime
    forward_by: datetime
    first_response_by: datetime
    resolve_by: datetime

    def of(self, milestone: Milestone) -> datetime:
        return {
            Milestone.VERIFY: self.verify_by,
            Milestone.FORWARD: self.forward_by,
            Milestone.FIRST_RESPONSE: self.first_response_by,
            Milestone.RESOLUTION: self.resolve_by,
        }[milestone]


@dataclass(frozen=True)
class SlaPolicy:
    """The national defaults; every period is in working days."""

    calendar: WorkingCalendar = field(default_factory=WorkingCalendar)
    verify_days: int = 3
    forward_days: int = 3
    first_response_days: int = 5
    simple_days: int = 5
    normal_days: int = 14
    complex_days: int = 60
    auto_close_days: int = 10
    reopen_window_days: int = 10
    warning_days: int = 1

    def __post_init__(self) -> None:
        for name in ("verify_days", "forward_days", "first_response_days", "simple_days",
                     "normal_days", "complex_days", "auto_close_days", "reopen_window_days",
                     "warning_days"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1 working day")

    def resolution_days(self, complexity: Complexity) -> int:
        return {
            Complexity.SIMPLE: self.simple_days,
            Complexity.NORMAL: self.normal_days,
            Complexity.COMPLEX: self.complex_days,
        }[Complexity(complexity)]

    def deadlines(self, filed_at: datetime, complexity: Complexity) -> Deadlines:
        add = self.calendar.add_working_days
        return Deadlines(
            verify_by=add(filed_at, self.verify_days),
            forward_by=add(filed_at, self.forward_days),
            first_response_by=add(filed_at, self.first_response_days),
            resolve_by=add(filed_at, self.resolution_days(complexity)),
        )

    def resolution_deadline(self, since: datetime, complexity: Complexity) -> datetime:
        """A fresh resolution deadline counted from ``since`` (used when a complaint reopens)."""
        return self.calendar.add_working_days(since, self.resolution_days(complexity))

    def warning_time(self, deadline: datetime) -> datetime:
        """End of the working day ``warning_days`` working days before the deadline's day."""
        day = local_date(deadline)
        for _ in range(self.warning_days):
            day = self.calendar.previous_working_day(day)
        return end_of_day(day)

    def auto_close_at(self, responded_at: datetime) -> datetime:
        """After this, an unanswered response lets the scheduler close the complaint."""
        return self.calendar.add_working_days(responded_at, self.auto_close_days)

    def reopen_until(self, resolved_at: datetime) -> datetime:
        """The last moment at which the citizen may reopen a resolved complaint."""
        return self.calendar.add_working_days(resolved_at, self.reopen_window_days)
