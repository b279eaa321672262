"""The percentile estimates from fixed-boundary histograms keep the documented error bound."""

from collections import Counter
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from services.kpi.domain import histogram as h

durations = st.lists(st.integers(min_value=0, max_value=400 * 24 * 3600), min_size=1,
                     max_size=300)


@settings(max_examples=300, deadline=None)
@given(durations, st.sampled_from([h.MEDIAN, h.P90, Fraction(1, 4), Fraction(99, 100)]))
def test_hours_within_one_percent_or_thirty_seconds(seconds, p):
    counts = Counter(h.seconds_bin(s) for s in seconds)
    estimate = h.hours_quantile(counts, p) * 3600
    exact = h.exact_quantile(seconds, p)
    assert abs(estimate - exact) <= max(h.HOURS_RELATIVE_ERROR * exact, 30) + 1e-6


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=999), min_size=1, max_size=300),
       st.sampled_from([h.MEDIAN, h.P90]))
def test_working_days_are_exact(days, p):
    counts = Counter(h.wd_bin(d) for d in days)
    assert h.wd_quantile(counts, p) == h.exact_quantile(days, p)


@given(st.integers(min_value=0, max_value=10**9))
def test_bins_hold_their_value(seconds):
    k = h.seconds_bin(seconds)
    if k == 0:
        assert seconds < 60
    else:
        assert h._lower(k) <= seconds < h._upper(k)


def test_bound_is_under_one_percent():
    assert h.HOURS_RELATIVE_ERROR < 0.01


def test_nearest_rank():
    assert h.exact_quantile([1, 2, 3, 4], h.MEDIAN) == 2
    assert h.exact_quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], h.P90) == 9
    assert h.wd_quantile({}, h.MEDIAN) is None


def test_a_period_holding_a_day_stored_as_a_sum_has_no_hour_percentile():
    """Days stored before the day cells kept hour bins hold one sum (bin -1): a percentile
    from the other days' bins alone would be wrong, so there is none until a rebuild."""
    binned = {h.seconds_bin(3600): 3, h.seconds_bin(7200): 1}
    assert h.hours_quantile(binned, h.MEDIAN) is not None
    assert h.hours_quantile(binned | {-1: 2}, h.MEDIAN) is None


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=40), min_size=0, max_size=200),
       st.lists(st.sampled_from([Fraction(1, 10), h.MEDIAN, Fraction(3, 4), h.P90,
                                 Fraction(1)]), min_size=1, max_size=4))
def test_several_quantiles_in_one_pass_are_each_one(days, ps):
    ps = sorted(ps)
    counts = Counter(days)
    assert h.quantile_bins(counts, ps) == [h.exact_quantile(days, p) for p in ps]
