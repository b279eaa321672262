from datetime import date

import pytest

from services.kpi.domain.periods import InvalidPeriod, parse_period, period_containing


@pytest.mark.parametrize("code,kind,start,end", [
    ("2026", "year", date(2026, 1, 1), date(2027, 1, 1)),
    ("2026-H2", "half", date(2026, 7, 1), date(2027, 1, 1)),
    ("2026-Q4", "quarter", date(2026, 10, 1), date(2027, 1, 1)),
    ("2026-02", "month", date(2026, 2, 1), date(2026, 3, 1)),
    ("2026-W01", "week", date(2025, 12, 29), date(2026, 1, 5)),
    ("2026-10-05", "day", date(2026, 10, 5), date(2026, 10, 6)),
])
def test_codes_name_their_dates(code, kind, start, end):
    p = parse_period(code)
    assert (p.kind, p.start, p.end) == (kind, start, end)


@pytest.mark.parametrize("code", ["2026-13", "2026-Q5", "2026-W54", "2025-W53", "1999",
                                  "2026-02-30", "26-01", ""])
def test_bad_codes_are_refused(code):
    with pytest.raises(InvalidPeriod):
        parse_period(code)


def test_previous_and_year_before():
    assert parse_period("2026-Q1").previous().code == "2025-Q4"
    assert parse_period("2026-01").previous().code == "2025-12"
    assert parse_period("2026-W01").previous().code == "2025-W52"
    assert parse_period("2026-H1").year_before().code == "2025-H1"
    assert parse_period("2026-W53").year_before().code == "2025-W52"
    assert parse_period("2028-02-29").year_before().code == "2027-02-28"
    assert parse_period("2026-03-01").previous().code == "2026-02-28"


def test_survey_codes_are_the_survey_periods_within():
    assert set(parse_period("2026-Q4").survey_codes()) == {"2026-10", "2026-11", "2026-12",
                                                           "2026-Q4"}
    assert set(parse_period("2026-H1").survey_codes()) == {
        "2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06", "2026-Q1", "2026-Q2",
        "2026-H1"}
    assert "2026" in parse_period("2026").survey_codes()
    assert parse_period("2026-W41").survey_codes() == ()


def test_period_containing():
    d = date(2026, 12, 31)
    assert [period_containing(k, d).code for k in ("day", "week", "month", "quarter", "half",
                                                   "year")] == [
        "2026-12-31", "2026-W53", "2026-12", "2026-Q4", "2026-H2", "2026"]
