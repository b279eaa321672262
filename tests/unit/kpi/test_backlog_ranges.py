"""A day's backlog reads the coarsest stored cells that cover every day up to it, once each."""

from datetime import date, timedelta
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from services.kpi.domain.periods import month_start, quarter_start
from services.kpi.repository import _backlog_ranges

STARTS = {"y": lambda d: d.replace(month=1, day=1), "q": quarter_start, "m": month_start,
          "d": lambda d: d}


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
def test_ranges_tile_the_days_up_to_the_day(day):
    ranges = _backlog_ranges(day)
    assert ranges[0][:2] == ("y", date.min)
    assert ranges[-1][2] == day + timedelta(days=1)
    for (_, _, after), (_, first, _) in pairwise(ranges):
        assert after == first  # contiguous: no day twice, none left out
    for grain, first, after in ranges:
        assert first < after
        for bound in (first, after):  # whole cells of the grain only
            assert bound == date.min or STARTS[grain](bound) == bound


def test_a_period_end_reads_no_daily_cells():
    assert [g for g, _, _ in _backlog_ranges(date(2025, 12, 31))] == ["y"]
    assert [g for g, _, _ in _backlog_ranges(date(2026, 6, 30))] == ["y", "q"]
    assert [g for g, _, _ in _backlog_ranges(date(2026, 5, 31))] == ["y", "q", "m"]
    assert [g for g, _, _ in _backlog_ranges(date(2026, 5, 17))] == ["y", "q", "m", "d"]
