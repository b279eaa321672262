"""Survey periods: a code (YYYY, YYYY-MM, YYYY-Qn, YYYY-Hn) names its dates. Pure; no I/O.

A period runs from its first day to the first day after it (``ends_on`` is exclusive), in the
agency's local time (``SUARA_SURVEYS_TIMEZONE``, Asia/Jakarta by default): a response
submitted at 23:30 WIB on 31 March counts for March, not April.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from services.surveys.domain.skm import FieldProblem, InvalidSurveyInput

PERIOD_PATTERN = r"^[0-9]{4}(-(0[1-9]|1[0-2])|-Q[1-4]|-H[12])?$"
_PATTERN = re.compile(PERIOD_PATTERN)
MIN_YEAR, MAX_YEAR = 2000, 2100


@dataclass(frozen=True, slots=True)
class PeriodSpan:
    code: str
    starts_on: date
    ends_on: date  # exclusive

    def contains(self, day: date) -> bool:
        return self.starts_on <= day < self.ends_on

    def overlaps(self, other: PeriodSpan) -> bool:
        return self.starts_on < other.ends_on and other.starts_on < self.ends_on


def _month_start(year: int, month: int) -> date:
    """First day of ``month`` (1-based, may be 13 = January of the next year)."""
    return date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def span(code: str, *, field: str = "period") -> PeriodSpan:
    """The dates of a period code; ``InvalidSurveyInput`` naming ``field`` if it is not one."""
    if not isinstance(code, str) or not _PATTERN.match(code):
        raise InvalidSurveyInput((FieldProblem(
            field, f"must be YYYY, YYYY-MM, YYYY-Qn or YYYY-Hn, got {code!r}",
            "not_a_period_code"),))
    year = int(code[:4])
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidSurveyInput((FieldProblem(
            field, f"year must be {MIN_YEAR}..{MAX_YEAR}, got {year}", "period_year_out_of_range",
            {"min": MIN_YEAR, "max": MAX_YEAR}),))
    rest = code[5:]
    if not rest:
        first, months = 1, 12
    elif rest[0] == "Q":
        first, months = (int(rest[1]) - 1) * 3 + 1, 3
    elif rest[0] == "H":
        first, months = (int(rest[1]) - 1) * 6 + 1, 6
    else:
        first, months = int(rest), 1
    return PeriodSpan(code, _month_start(year, first), _month_start(year, first + months))


def month_of(day: date) -> str:
    """The month period code containing ``day``."""
    return f"{day.year:04d}-{day.month:02d}"


def local_date(moment: datetime, timezone: str) -> date:
    """The calendar date of an aware ``moment`` in the agency's time zone."""
    return moment.astimezone(ZoneInfo(timezone)).date()


def tiling(target: PeriodSpan, periods: Iterable[PeriodSpan]) -> list[PeriodSpan] | None:
    """The periods that make up ``target`` exactly, in order (``target`` itself when it is
    one of them; the four quarters of a year; two halves...), or None when they do not
    cover it end to end. A period reaching outside ``target`` cannot be part of it (its
    answers cannot be split by date: results are stored per period). Periods of one survey
    never overlap, so the ones inside ``target`` tile it when they follow each other."""
    inside = sorted((p for p in periods
                     if target.starts_on <= p.starts_on and p.ends_on <= target.ends_on),
                    key=lambda p: p.starts_on)
    at = target.starts_on
    for p in inside:
        if p.starts_on != at:
            return None
        at = p.ends_on
    return inside if inside and at == target.ends_on else None
