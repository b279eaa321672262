"""Indonesian working days, shared by every service that counts them (complaints' SLA
deadlines, KPI's times in working days). Pure: no I/O, no clock.

Working days are Monday to Friday, minus the national public holidays of the ``holidays``
package (``country_holidays("ID")``, category ``public``), minus the collective leave days
(*cuti bersama*) and any extra closing days given to ``WorkingCalendar``. Cuti bersama are set
each year by joint ministerial decree, so they are configuration (``SUARA_COLLECTIVE_LEAVE``,
or per service ``SUARA_<SERVICE>_COLLECTIVE_LEAVE``); ``package_collective_leave`` offers the
package's own list (its ``government`` category) as the default.

Counting convention (``add_working_days``), in Asia/Jakarta local dates:

* The day on which something happens never counts, whatever the hour: day 1 is the first
  working day *after* it. A complaint filed on Friday evening, on a Saturday or on a holiday
  therefore starts counting on the next working day; so does one filed on Monday at 08:00
  (the agency always gets n whole working days, and no office-hours cut-off is needed).
* A deadline is the end of the n-th working day, 23:59:59 Asia/Jakarta, as an aware datetime.
  It is missed when the clock is strictly past it.
* ``working_days_between(a, b)`` counts the working days d with a < d <= b (local dates), so
  ``working_days_between(t, add_working_days(t, n)) == n``.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

import holidays

JAKARTA = ZoneInfo("Asia/Jakarta")
END_OF_DAY = time(23, 59, 59)
_ONE_DAY = timedelta(days=1)


@cache
def national_holidays(year: int) -> frozenset[date]:
    """Indonesian national public holidays of one year, looked up once per year per process."""
    return frozenset(holidays.country_holidays("ID", years=year))


def package_collective_leave(years: Iterable[int]) -> frozenset[date]:
    """The cuti bersama days the ``holidays`` package knows (``government`` category)."""
    return frozenset(
        holidays.country_holidays("ID", years=list(years), categories=("government",))
    )


def local_date(moment: datetime | date) -> date:
    """The Asia/Jakarta calendar date of an aware datetime (a date is returned as is)."""
    if not isinstance(moment, datetime):
        return moment
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"an aware datetime is required, got naive {moment!r}")
    return moment.astimezone(JAKARTA).date()


def end_of_day(day: date) -> datetime:
    return datetime.combine(day, END_OF_DAY, tzinfo=JAKARTA)


@dataclass(frozen=True)
class WorkingCalendar:
    """Indonesian working days. Each year's working days are computed once and cached."""

    collective_leave: frozenset[date] = frozenset()
    extra_holidays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:  # accept any iterable of dates, keep it hashable
        object.__setattr__(self, "collective_leave", frozenset(self.collective_leave))
        object.__setattr__(self, "extra_holidays", frozenset(self.extra_holidays))

    def is_working_day(self, day: date) -> bool:
        return (
            day.weekday() < 5
            and day not in national_holidays(day.year)
            and day not in self.collective_leave
            and day not in self.extra_holidays
        )

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after ``day``."""
        day += _ONE_DAY
        while not self.is_working_day(day):
            day += _ONE_DAY
        return day

    def previous_working_day(self, day: date) -> date:
        """The last working day strictly before ``day``."""
        day -= _ONE_DAY
        while not self.is_working_day(day):
            day -= _ONE_DAY
        return day

    def add_working_days(self, start: datetime, n: int) -> datetime:
        """End (23:59:59 Asia/Jakarta) of the n-th working day after ``start``'s local date.

        ``n == 0`` gives the end of ``start``'s own day. ``start`` must be aware. A binary search
        in the cached working days of each year: a few microseconds, whatever n.
        """
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        day = local_date(start)
        if n == 0:
            return end_of_day(day)
        year, after = day.year, day.toordinal()
        while True:
            days = self._working_days(year)
            first = bisect_right(days, after)  # index of the first working day after `after`
            if first + n <= len(days):
                return end_of_day(date.fromordinal(days[first + n - 1]))
            n -= len(days) - first
            year += 1
            after = date(year, 1, 1).toordinal() - 1

    def working_days_between(self, a: datetime | date, b: datetime | date) -> int:
        """Working days d with a < d <= b (local dates); negative when b is before a."""
        start, end = local_date(a), local_date(b)
        if end < start:
            return -self.working_days_between(end, start)
        count = -self._count_until(start)
        for year in range(start.year, end.year):
            count += len(self._working_days(year))
        return count + self._count_until(end)

    def _count_until(self, day: date) -> int:
        """Working days of ``day``'s year up to and including ``day``."""
        return bisect_right(self._working_days(day.year), day.toordinal())

    def _working_days(self, year: int) -> tuple[int, ...]:
        return _working_ordinals(year, self.collective_leave, self.extra_holidays)


@lru_cache(maxsize=512)
def _working_ordinals(year: int, collective_leave: frozenset[date],
                      extra_holidays: frozenset[date]) -> tuple[int, ...]:
    """The sorted ordinals of one year's working days, per calendar configuration."""
    closed = national_holidays(year) | collective_leave | extra_holidays
    first, last = date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal()
    return tuple(
        o for o in range(first, last + 1)
        if (day := date.fromordinal(o)).weekday() < 5 and day not in closed
    )


def calendar_for(collective_leave: Iterable[date], *, from_package: bool = True,
                 years: range = range(2020, 2036)) -> WorkingCalendar:
    """The calendar a service's settings describe: the configured cuti bersama days, or, when
    none are configured and ``from_package`` is set, the ``holidays`` package's."""
    leave = frozenset(collective_leave)
    if not leave and from_package:
        leave = package_collective_leave(years)
    return WorkingCalendar(collective_leave=leave)
