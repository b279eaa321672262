"""A burst's answers per survey period and local day (what survey.burst_excluded carries)."""

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from services.surveys.domain.bursts import day_tallies

CODES = [f"U{i}" for i in range(1, 10)]


def test_answers_are_split_by_period_and_day_in_order():
    ones, fours = dict.fromkeys(CODES, 1), dict.fromkeys(CODES, 4)
    found = day_tallies([("2026-05", date(2026, 5, 2), ones), ("2026-04", date(2026, 4, 30), ones),
                         ("2026-05", date(2026, 5, 2), fours | {"U3": 2})])
    assert [(t.period, t.day, t.respondents) for t in found] == [
        ("2026-04", date(2026, 4, 30), 1), ("2026-05", date(2026, 5, 2), 2)]
    assert found[1].counts["U1"] == [1, 0, 0, 1] and found[1].counts["U3"] == [1, 1, 0, 0]


@given(st.lists(st.tuples(st.sampled_from(["2026-04", "2026-05"]),
                          st.dates(date(2026, 4, 28), date(2026, 5, 3)),
                          st.fixed_dictionaries({c: st.integers(1, 4) for c in CODES})),
                max_size=30))
def test_every_answer_is_counted_once_per_element(answers):
    found = day_tallies(answers)
    assert sum(t.respondents for t in found) == len(answers)
    for t in found:
        assert all(sum(counts) == t.respondents for counts in t.counts.values())
