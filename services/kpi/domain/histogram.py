"""Fixed-boundary histograms of durations, and the percentiles read from them. Pure.

Durations are stored as counts per bin, per day (or month), agency and dimension, so that a
median over millions of complaints is a sum of a few hundred stored counts, never a rescan.
Every boundary is fixed, so histograms of days, agencies or categories add up exactly.

* **Working days** are whole numbers (``shared.calendar``'s count): one bin per value 0..999
  and one bin for 1000 or more. Percentiles in working days are *exact* below 1000.
* **Hours** are kept in seconds in log-spaced bins: bin 0 holds durations under one minute;
  bin k >= 1 holds [60 g^(k-1), 60 g^k) seconds with g = 1.02. A percentile is reported as the
  bin's harmonic midpoint 2LU/(L+U), so it is within (g-1)/(g+1) < 1 % of the exact value
  (``HOURS_RELATIVE_ERROR``), or within 30 seconds under one minute.

A percentile is the nearest-rank one: the value at rank ceil(p x n) of the n sorted values
(the median of 1, 2, 3, 4 is 2). The histogram's estimate of it lies in the same bin as the
exact value, which gives the bounds above. Means are exact: each bin also stores the sum of its
values (whole days, whole seconds).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction

WD_CAP = 1000
GAMMA = 1.02
HOURS_RELATIVE_ERROR = (GAMMA - 1) / (GAMMA + 1)  # 0.0099...
MINUTE = 60
_LOG_GAMMA = math.log(GAMMA)


def wd_bin(days: int) -> int:
    return min(max(days, 0), WD_CAP)


def seconds_bin(seconds: int) -> int:
    """The bin of a duration in whole seconds (negative durations count as 0)."""
    if seconds < MINUTE:
        return 0
    k = 1 + int(math.log(seconds / MINUTE) / _LOG_GAMMA)
    while k > 1 and _lower(k) > seconds:  # float log at a boundary: settle it exactly
        k -= 1
    while _upper(k) <= seconds:
        k += 1
    return k


def _lower(k: int) -> float:
    return MINUTE * GAMMA ** (k - 1)


def _upper(k: int) -> float:
    return MINUTE * GAMMA**k


def seconds_representative(k: int) -> float:
    """The value reported for bin ``k``, in seconds."""
    if k == 0:
        return MINUTE / 2
    low, high = _lower(k), _upper(k)
    return 2 * low * high / (low + high)


def rank(p: Fraction, n: int) -> int:
    """The nearest rank of the p-quantile of n values (1-based)."""
    return max(1, math.ceil(p * n))


def quantile_bin(counts: Mapping[int, int], p: Fraction) -> int | None:
    """The bin holding the p-quantile of the values behind ``counts`` (None when empty)."""
    return quantile_bins(counts, (p,))[0]


def quantile_bins(counts: Mapping[int, int], ps: Sequence[Fraction]) -> list[int | None]:
    """The bin of each p-quantile of ``ps`` (ascending), in one pass over the sorted bins."""
    n = sum(counts.values())
    if n <= 0 or not ps:
        return [None] * len(ps)
    targets = iter([rank(p, n) for p in ps])
    target = next(targets)
    out: list[int | None] = []
    seen = 0
    for b, count in sorted(counts.items()):
        seen += count
        while seen >= target:
            out.append(b)
            following = next(targets, None)
            if following is None:
                return out
            target = following
    return out + [max(counts)] * (len(ps) - len(out))  # pragma: no cover - counts sum to n


def wd_quantile(counts: Mapping[int, int], p: Fraction) -> int | None:
    return quantile_bin(counts, p)


def hours_quantile(counts: Mapping[int, int], p: Fraction) -> float | None:
    return hours_quantiles(counts, (p,))[0]


def hours_quantiles(counts: Mapping[int, int], ps: Sequence[Fraction]) -> list[float | None]:
    """From the log bins, in hours. Bin -1 is a day stored before the day cells kept hour bins
    (a sum without bins): a period holding one has no percentile until ``suara-kpi rebuild``,
    rather than one computed from part of its durations."""
    if counts.get(-1):
        return [None] * len(ps)
    bins = quantile_bins({k: n for k, n in counts.items() if k >= 0}
                         if counts and min(counts) < 0 else counts, ps)
    return [None if b is None else seconds_representative(b) / 3600 for b in bins]


def exact_quantile(values: Sequence[float] | Iterable[float], p: Fraction) -> float | None:
    """The nearest-rank p-quantile, computed from the values themselves (tests, auditors)."""
    ordered = sorted(values)
    if not ordered:
        return None
    return ordered[rank(p, len(ordered)) - 1]


MEDIAN = Fraction(1, 2)
P90 = Fraction(9, 10)
