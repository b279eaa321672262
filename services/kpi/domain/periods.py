"""Reporting periods: a code names its local dates. Pure; no I/O, no clock.

Codes: a day ``2026-10-05``, an ISO week ``2026-W41``, a month ``2026-10``, a quarter
``2026-Q4``, a half ``2026-H2``, a year ``2026``. A period runs from ``start`` to ``end``
(exclusive), in local dates (the service's time zone, Asia/Jakarta by default): an event at
23:30 WIB on 31 December counts for December, whatever its UTC date.

``previous()`` is the period of the same kind just before; ``year_before()`` the same period
one year earlier (an ISO week keeps its number; week 53 of a year without one becomes 52).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

Kind = Literal["day", "week", "month", "quarter", "half", "year"]

PATTERN = (r"^[0-9]{4}(-(0[1-9]|1[0-2])(-[0-3][0-9])?|-Q[1-4]|-H[12]"
           r"|-W(0[1-9]|[1-4][0-9]|5[0-3]))?$")
_RE = re.compile(PATTERN)
MIN_YEAR, MAX_YEAR = 2000, 2100
#: Kinds whose periods are whole months: their figures come from the monthly cells.
MONTHLY_KINDS: frozenset[str] = frozenset({"month", "quarter", "half", "year"})
#: Kinds a target can be evaluated on (those of kpi.target_missed.v1's period).
CLOSABLE_KINDS: tuple[Kind, ...] = ("month", "quarter", "half", "year")


class InvalidPeriod(ValueError):
    """Not a period code, or out of range."""


def _month_start(year: int, month: int) -> date:
    """First day of ``month`` (1-based; 13 is January of the next year)."""
    return date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def _weeks_in(year: int) -> int:
    return date(year, 12, 28).isocalendar().week


@dataclass(frozen=True, slots=True)
class Period:
    code: str
    kind: Kind
    start: date
    end: date  # exclusive

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def monthly(self) -> bool:
        return self.kind in MONTHLY_KINDS

    def contains(self, day: date) -> bool:
        return self.start <= day < self.end

    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days)]

    def months(self) -> list[date]:
        """First days of the months this period covers whole (monthly kinds only)."""
        out, day = [], self.start
        while day < self.end:
            out.append(day)
            day = _month_start(day.year, day.month + 1)
        return out

    def previous(self) -> Period:
        return period_containing(self.kind, self.start - timedelta(days=1))

    def year_before(self) -> Period:
        if self.kind == "week":
            year, week = int(self.code[:4]) - 1, int(self.code[6:])
            return parse_period(f"{year:04d}-W{min(week, _weeks_in(year)):02d}")
        if self.kind == "day":
            try:
                return period_containing("day", self.start.replace(year=self.start.year - 1))
            except ValueError:  # 29 February
                return period_containing("day", date(self.start.year - 1, 2, 28))
        return parse_period(f"{int(self.code[:4]) - 1:04d}{self.code[4:]}")

    def survey_codes(self) -> tuple[str, ...]:
        """The survey-period codes (YYYY, YYYY-Hn, YYYY-Qn, YYYY-MM) whose dates lie within
        this period: the SKM responses of those survey periods count for it."""
        if not self.monthly:
            return ()
        year = self.start.year
        codes = [f"{year:04d}-{m.month:02d}" for m in self.months()]
        for q in range(1, 5):
            first, after = _month_start(year, 3 * q - 2), _month_start(year, 3 * q + 1)
            if self.start <= first and after <= self.end:
                codes.append(f"{year:04d}-Q{q}")
        for h in (1, 2):
            first, after = _month_start(year, 6 * h - 5), _month_start(year, 6 * h + 1)
            if self.start <= first and after <= self.end:
                codes.append(f"{year:04d}-H{h}")
        if self.kind == "year":
            codes.append(f"{year:04d}")
        return tuple(codes)


def parse_period(code: str) -> Period:
    """The period a code names; ``InvalidPeriod`` if it names none."""
    if not isinstance(code, str) or not _RE.match(code):
        raise InvalidPeriod(f"must be YYYY, YYYY-Hn, YYYY-Qn, YYYY-MM, YYYY-Www or YYYY-MM-DD, "
                            f"got {code!r}")
    year = int(code[:4])
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidPeriod(f"year must be {MIN_YEAR}..{MAX_YEAR}, got {year}")
    rest = code[5:]
    if not rest:
        return Period(code, "year", date(year, 1, 1), date(year + 1, 1, 1))
    if rest[0] == "Q":
        q = int(rest[1])
        return Period(code, "quarter", _month_start(year, 3 * q - 2), _month_start(year, 3 * q + 1))
    if rest[0] == "H":
        h = int(rest[1])
        return Period(code, "half", _month_start(year, 6 * h - 5), _month_start(year, 6 * h + 1))
    if rest[0] == "W":
        week = int(rest[1:])
        if week > _weeks_in(year):
            raise InvalidPeriod(f"{year} has {_weeks_in(year)} ISO weeks, got week {week}")
        start = date.fromisocalendar(year, week, 1)
        return Period(code, "week", start, start + timedelta(days=7))
    month = int(rest[:2])
    if len(rest) == 2:
        return Period(code, "month", _month_start(year, month), _month_start(year, month + 1))
    try:
        day = date(year, month, int(rest[3:]))
    except ValueError:
        raise InvalidPeriod(f"no such day {code!r}") from None
    return Period(code, "day", day, day + timedelta(days=1))


def period_containing(kind: Kind, day: date) -> Period:
    """The period of ``kind`` that contains ``day``."""
    if kind == "day":
        return parse_period(day.isoformat())
    if kind == "week":
        iso = day.isocalendar()
        return parse_period(f"{iso.year:04d}-W{iso.week:02d}")
    if kind == "month":
        return parse_period(f"{day.year:04d}-{day.month:02d}")
    if kind == "quarter":
        return parse_period(f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}")
    if kind == "half":
        return parse_period(f"{day.year:04d}-H{(day.month - 1) // 6 + 1}")
    return parse_period(f"{day.year:04d}")


def month_start(day: date) -> date:
    return date(day.year, day.month, 1)


def quarter_start(day: date) -> date:
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
