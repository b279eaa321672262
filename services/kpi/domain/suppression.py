"""Privacy of small numbers: which cells of a public breakdown, and which sensitive indicators of
a public scope, are withheld. Pure.

A cell counting fewer than ``threshold`` complaints (but more than none) is suppressed: a rare
category in a small district could point at a whistle-blower. Because the total is published,
a single suppressed cell could be recomputed as the total minus the others, so suppression is
*complementary*: while fewer than two cells are suppressed, or the suppressed cells add up to
fewer than ``threshold``, the smallest cell still shown (above zero) is suppressed too. Zeros are
shown: they point at nobody.

The same rule guards the *sensitive* indicators of a public scope (``SENSITIVE``: the integrity
count and share, the anonymous and the confidential share), whose value is a count of
complaints of a sensitive kind, or that count divided by the published filings. A kind is
withheld for a scope and period (``withheld_kinds``) when

1. its count is above zero and below the threshold;
2. the scope's public breakdowns would give it away: the privacy breakdown withholds that
   privacy mode (the same ``suppress`` over the same filings, so the indicator and the
   ``by=privacy`` cell are withheld together), or the category breakdown withholds integrity
   categories whose sum the integrity count would reveal (one category, or fewer than
   ``threshold`` complaints);
3. the agency tree would give it away: among the parent's family (the parent's own complaints
   and each child's rolled-up ones, whose sum the parent publishes), ``suppress`` seeded with
   the members withheld by 1 and 2 withholds this agency.

What it does not protect is written down in docs/kpi.md ("Privacy of small numbers").
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

#: The public indicators that reveal a count of complaints of a sensitive kind, and that kind.
SENSITIVE: dict[str, str] = {
    "integrity_complaints": "integrity",
    "integrity_share": "integrity",
    "anonymous_share": "anonymous",
    "confidential_share": "confidential",
}
KINDS: tuple[str, ...] = ("integrity", "anonymous", "confidential")
#: The family member standing for the parent's own complaints (not under any child).
OWN = ""


def suppress(counts: Mapping[str, int], threshold: int,
             forced: Collection[str] = ()) -> set[str]:
    """The keys of ``counts`` to withhold; ``forced``: keys withheld already for another reason
    (above zero), which the complement protects like small ones."""
    hidden = {k for k, n in counts.items() if 0 < n < threshold}
    hidden |= {k for k in forced if counts.get(k, 0) > 0}
    if not hidden:
        return hidden
    shown = sorted((n, k) for k, n in counts.items() if n > 0 and k not in hidden)
    while shown and (len(hidden) < 2 or sum(counts[k] for k in hidden) < threshold):
        hidden.add(shown.pop(0)[1])
    return hidden


@dataclass(frozen=True)
class Split:
    """The filings of one scope and period by category and by privacy mode."""

    by_category: Mapping[str, int] = field(default_factory=dict)
    by_privacy: Mapping[str, int] = field(default_factory=dict)

    def count(self, kind: str, integrity: Collection[str]) -> int:
        if kind == "integrity":
            return sum(n for code, n in self.by_category.items() if code in integrity)
        return self.by_privacy.get(kind, 0)


def _own_kinds(split: Split, integrity: Collection[str], threshold: int) -> set[str]:
    """Rules 1 and 2: what the scope's own figures and breakdowns would give away."""
    out = {k for k in KINDS if 0 < split.count(k, integrity) < threshold}
    out |= {k for k in suppress(split.by_privacy, threshold) if k in KINDS}
    hidden = [c for c in suppress(split.by_category, threshold)
              if c in integrity and split.by_category[c] > 0]
    derivable = sum(split.by_category[c] for c in hidden)
    if len(hidden) == 1 or 0 < derivable < threshold:
        out.add("integrity")
    return out


def withheld_kinds(scope: Split, *, integrity: Collection[str], threshold: int,
                   family: Mapping[str, Split] | None = None,
                   member: str | None = None) -> frozenset[str]:
    """The sensitive kinds withheld for a public scope. ``family``: the parent's family, its own
    complaints under ``OWN`` and each child's rolled-up split under the child's id, ``member``
    the scope's key in it (None for a root)."""
    out = _own_kinds(scope, integrity, threshold)
    if family and member is not None:
        seeds = {m: _own_kinds(s, integrity, threshold) for m, s in family.items()}
        for kind in KINDS:
            if kind in out:
                continue
            counts = {m: s.count(kind, integrity) for m, s in family.items()}
            forced = [m for m, kinds in seeds.items() if kind in kinds]
            if member in suppress(counts, threshold, forced):
                out.add(kind)
    return frozenset(out)


#: The fields of a public indicator that may be withheld, in the order they are named.
FIELDS: tuple[str, ...] = ("value", "target", "score", "previous", "change", "year_before",
                           "change_year_before")


@dataclass(frozen=True)
class Withheld:
    """Which fields of one public indicator are withheld."""

    value: bool = False
    previous: bool = False
    year_before: bool = False
    target: bool = False

    @property
    def any(self) -> bool:
        return self.value or self.previous or self.year_before or self.target

    @property
    def fields(self) -> tuple[str, ...]:
        """Every field withheld, with those computed from a withheld one (``FIELDS`` order)."""
        gone = {"value": self.value, "target": self.target, "score": self.value or self.target,
                "previous": self.previous, "change": self.value or self.previous,
                "year_before": self.year_before,
                "change_year_before": self.value or self.year_before}
        return tuple(f for f in FIELDS if gone[f])


def withheld_fields(code: str, *, now: Collection[str], previous: Collection[str],
                    year_before: Collection[str], baseline: Collection[str] = ()) -> Withheld:
    """For indicator ``code``, given the kinds withheld in the period, the previous period, the
    year before and the baseline period of its relative target (if any)."""
    kind = SENSITIVE.get(code)
    if kind is None:
        return Withheld()
    return Withheld(value=kind in now, previous=kind in previous,
                    year_before=kind in year_before, target=kind in baseline)


__all__ = ["FIELDS", "KINDS", "OWN", "SENSITIVE", "Split", "Withheld", "suppress",
           "withheld_fields", "withheld_kinds"]
