"""Targets: which one applies to an indicator, and its value. Pure.

A target belongs to an agency (``*``: the default of every agency), optionally narrowed to a
category or a service unit, and an indicator; it has a direction (``at_least``/``at_most``)
and a value that is either absolute or relative to a baseline period (``relative``: the
baseline's value x (1 + value / 100), so +15 means 15 % above the baseline, -10 ten below).
The most specific target wins: the agency's own over an ancestor's over the default.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from shared.ikm import round_half_up

DEFAULT_AGENCY = "*"
Direction = Literal["at_least", "at_most"]
Mode = Literal["absolute", "relative"]


@dataclass(frozen=True, slots=True)
class Target:
    id: str
    agency_id: str
    indicator_code: str
    value: float
    direction: Direction
    mode: Mode = "absolute"
    baseline_period: str | None = None
    category_code: str = ""
    unit_id: str = ""



def applicable(targets: Iterable[Target], *, indicator: str, lineage: Sequence[str],
               category_code: str = "", unit_id: str = "") -> Target | None:
    """The target for ``indicator`` of the agency whose ``lineage`` is [itself, parent, ...,
    root]: the nearest agency's (``*`` last), for exactly this category/unit scope."""
    ranked = {agency: i for i, agency in enumerate([*lineage, DEFAULT_AGENCY])}
    best: Target | None = None
    for t in targets:
        if (t.indicator_code != indicator or t.agency_id not in ranked
                or t.category_code != category_code or t.unit_id != unit_id):
            continue
        if best is None or ranked[t.agency_id] < ranked[best.agency_id]:
            best = t
    return best


def target_value(target: Target, baseline_value: float | None) -> float | None:
    """The target's value for a period: absolute, or relative to the baseline's value."""
    if target.mode == "absolute":
        return target.value
    if baseline_value is None:
        return None
    exact = Fraction(baseline_value) * (1 + Fraction(target.value) / 100)
    return float(round_half_up(exact, 2))
