"""IKM arithmetic of PermenPANRB 14/2017, computed from stored aggregates. Pure; no I/O.

Shared by the surveys service (which records the responses) and the KPI service (which
publishes the same IKM next to its other indicators): both must report the same figure to the
last decimal, so the arithmetic exists once. Moved here from ``services/surveys/ikm.py``, which
re-exports it.

An ``SkmTally`` holds, per element, how many answers gave each score 1..4. Tallies of segments
or periods are merged (``merge_tallies``); ``compute_ikm`` then costs the same for ten
responses or ten million. Exact values are ``Fraction``s; reported values are ``Decimal``s
rounded half-up, and grades are read from the rounded values. See docs/ikm.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

#: The nine elements (unsur) of the SKM, in the regulation's order; scores 1..4.
ELEMENT_CODES: tuple[str, ...] = tuple(f"U{i}" for i in range(1, 10))
MIN_SCORE = 1
MAX_SCORE = 4


class IkmError(ValueError):
    """An IKM rule was broken. ``code`` is a stable machine-readable name for the error."""

    code = "survey_domain_error"


SurveyDomainError = IkmError

INDEX_SCALE = 25  # NRR or NI (1..4) x 25 = index (25..100)
INDEX_PLACES = 2
NRR_PLACES = 4


class IncompleteTally(SurveyDomainError):
    """A mean was asked of no answers; the IKM needs answers to each of the nine elements."""

    code = "incomplete_tally"


def round_half_up(value: Fraction | Decimal | int, places: int) -> Decimal:
    """Exact half-up rounding (halves away from zero) to ``places`` decimals."""
    exact = Fraction(value)
    magnitude = math.floor(abs(exact) * 10**places + Fraction(1, 2))
    return Decimal(-magnitude if exact < 0 else magnitude).scaleb(-places)


def round_half_up_float(value: Fraction | float | int, places: int) -> float:
    """``float(round_half_up(value, places))``, in integers: the same rounding and the same
    float (the one nearest m / 10^places), without building a Fraction and a Decimal (the KPI
    indicators round a few hundred values per answer)."""
    ratio: tuple[int, int] = value.as_integer_ratio()
    num, den = ratio
    scale: int = 10**places
    magnitude = (2 * abs(num) * scale + den) // (2 * den)
    return (-magnitude if num < 0 else magnitude) / scale


# --- Grades -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GradeBand:
    label_id: str
    label_en: str
    min_index: Decimal
    max_index: Decimal
    min_ni: Decimal
    max_ni: Decimal


class Grade(StrEnum):
    """Mutu pelayanan (service quality), best first."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"

    @property
    def band(self) -> GradeBand:
        return GRADE_BANDS[self]

    @property
    def rank(self) -> int:
        """4 for A down to 1 for D."""
        return 4 - list(Grade).index(self)


def _band(label_id: str, label_en: str, *bounds: str) -> GradeBand:
    return GradeBand(label_id, label_en, *(Decimal(b) for b in bounds))


# Index (NIK) interval and NI (1..4) interval of each grade, as tabled in the regulation.
GRADE_BANDS: dict[Grade, GradeBand] = {
    Grade.A: _band("Sangat Baik", "Very good", "88.31", "100.00", "3.5324", "4.00"),
    Grade.B: _band("Baik", "Good", "76.61", "88.30", "3.0644", "3.532"),
    Grade.C: _band("Kurang Baik", "Poor", "65.00", "76.60", "2.60", "3.064"),
    Grade.D: _band("Tidak Baik", "Very poor", "25.00", "64.99", "1.00", "2.5996"),
}


def grade_for(index: Fraction | Decimal | int) -> Grade:
    """The grade of an index on the 25..100 scale, after rounding it half-up to 2 decimals."""
    rounded = round_half_up(index, INDEX_PLACES)
    if not Decimal(25) <= rounded <= Decimal(100):
        raise SurveyDomainError(f"an index is 25..100, got {rounded}")
    return next(g for g in Grade if rounded >= g.band.min_index)


# --- Distributions of answers -----------------------------------------------------------------


def _check_counts(counts: tuple[int, ...], points: int, what: str) -> None:
    if len(counts) != points or any(type(c) is not int or c < 0 for c in counts):
        raise SurveyDomainError(f"{what}: need {points} non-negative integer counts, got {counts}")


def _bump(counts: tuple[int, ...], score: int) -> tuple[int, ...]:
    return tuple(n + 1 if s == score else n for s, n in enumerate(counts, start=1))


def _add_counts(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(x + y for x, y in zip(a, b, strict=True))


class _Distribution:
    """What follows from ``counts``, where ``counts[i]`` answers gave score ``i + 1``."""

    __slots__ = ()
    counts: tuple[int, ...]

    @property
    def count(self) -> int:
        return sum(self.counts)

    @property
    def total(self) -> int:
        return sum(score * n for score, n in enumerate(self.counts, start=1))

    @property
    def mean(self) -> Fraction:
        if self.count == 0:
            raise IncompleteTally(f"no answers, so no mean: {self}")
        return Fraction(self.total, self.count)

    @property
    def shares(self) -> tuple[Fraction, ...]:
        """Each score's share of the answers (sums to 1)."""
        return tuple(Fraction(n, self.count) for n in self.counts)


@dataclass(frozen=True, slots=True)
class ElementTally(_Distribution):
    """Answers to one SKM element."""

    code: str
    counts: tuple[int, ...] = (0, 0, 0, 0)  # answers per score 1..4 (checked: four)

    def __post_init__(self) -> None:
        _check_counts(self.counts, MAX_SCORE, self.code)

    @property
    def nrr(self) -> Fraction:
        """Nilai rata-rata: sum of the answers / number of answers, 1..4."""
        return self.mean

    @property
    def index(self) -> Fraction:
        """NRR x 25, 25..100."""
        return self.nrr * INDEX_SCALE

    @property
    def nrr_rounded(self) -> Decimal:
        return round_half_up(self.nrr, NRR_PLACES)

    @property
    def index_rounded(self) -> Decimal:
        return round_half_up(self.index, INDEX_PLACES)

    @property
    def grade(self) -> Grade:
        return grade_for(self.index)


def _empty_elements() -> tuple[ElementTally, ...]:
    return tuple(ElementTally(code) for code in ELEMENT_CODES)


@dataclass(frozen=True, slots=True)
class SkmTally:
    """The stored aggregate of a set of responses: respondents and one tally per element."""

    respondents: int = 0
    elements: tuple[ElementTally, ...] = field(default_factory=_empty_elements)

    def __post_init__(self) -> None:
        if tuple(e.code for e in self.elements) != ELEMENT_CODES:
            raise SurveyDomainError(f"a tally has elements {', '.join(ELEMENT_CODES)} in order")
        if type(self.respondents) is not int or self.respondents < 0:
            raise SurveyDomainError(f"respondents must be >= 0, got {self.respondents!r}")
        if any(e.count > self.respondents for e in self.elements):
            raise SurveyDomainError("an element has more answers than there are respondents")

    def element(self, code: str) -> ElementTally:
        return self.elements[ELEMENT_CODES.index(code)]


def merge_tallies(*tallies: SkmTally) -> SkmTally:
    """The tally of the union of the responses behind ``tallies`` (segments, periods)."""
    merged = SkmTally()
    for t in tallies:
        elements = tuple(
            ElementTally(m.code, _add_counts(m.counts, e.counts))
            for m, e in zip(merged.elements, t.elements, strict=True)
        )
        merged = SkmTally(merged.respondents + t.respondents, elements)
    return merged


# --- The index --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IkmResult:
    """The IKM of a tally; every rounded value and grade derives from the exact ``ni``."""

    respondents: int
    elements: tuple[ElementTally, ...]
    ni: Fraction  # mean of the nine NRRs (each weighs exactly 1/9), 1..4

    @property
    def ikm(self) -> Fraction:
        """NI x 25, 25..100, exact."""
        return self.ni * INDEX_SCALE

    @property
    def ikm_rounded(self) -> Decimal:
        """The reported IKM."""
        return round_half_up(self.ikm, INDEX_PLACES)

    @property
    def ni_rounded(self) -> Decimal:
        return round_half_up(self.ni, NRR_PLACES)

    @property
    def grade(self) -> Grade:
        return grade_for(self.ikm)

    def weakest_first(self) -> tuple[ElementTally, ...]:
        """Elements from the lowest NRR up (ties keep the regulation's order)."""
        return tuple(sorted(self.elements, key=lambda e: e.nrr))


def compute_ikm(tally: SkmTally) -> IkmResult:
    """IKM = (NRR1 + ... + NRR9) / 9 x 25, with NRRi = sum of answers to i / answers to i.

    Raises ``IncompleteTally`` naming the elements without answers.
    """
    empty = [e.code for e in tally.elements if e.count == 0]
    if empty:
        raise IncompleteTally(f"no answers to {', '.join(empty)}; the IKM needs all nine")
    ni = sum((e.nrr for e in tally.elements), Fraction(0)) / len(tally.elements)
    return IkmResult(tally.respondents, tally.elements, ni)


# --- Custom Likert items (3..7 points) ------------------------------------------------------

MIN_POINTS, MAX_POINTS = 3, 7


@dataclass(frozen=True, slots=True)
class LikertTally(_Distribution):
    """Answers to one item of a custom survey on a ``points``-point scale (1 = worst)."""

    counts: tuple[int, ...]

    def __post_init__(self) -> None:
        if not MIN_POINTS <= len(self.counts) <= MAX_POINTS:
            raise SurveyDomainError(f"a Likert item has {MIN_POINTS}..{MAX_POINTS} points")
        _check_counts(self.counts, len(self.counts), "Likert item")

    @classmethod
    def empty(cls, points: int) -> LikertTally:
        return cls((0,) * points)

    @property
    def points(self) -> int:
        return len(self.counts)

    def add(self, score: int) -> LikertTally:
        if type(score) is not int or not 1 <= score <= self.points:
            raise SurveyDomainError(f"score must be an integer 1..{self.points}, got {score!r}")
        return LikertTally(_bump(self.counts, score))

    def merge(self, other: LikertTally) -> LikertTally:
        if other.points != self.points:
            raise SurveyDomainError("cannot merge Likert items with different scales")
        return LikertTally(_add_counts(self.counts, other.counts))

    @property
    def satisfaction(self) -> Fraction:
        """(mean - 1) / (points - 1) x 100: 0 when all answer 1, 100 when all answer the top."""
        return (self.mean - 1) / (self.points - 1) * 100

    @property
    def mean_rounded(self) -> Decimal:
        return round_half_up(self.mean, INDEX_PLACES)

    @property
    def satisfaction_rounded(self) -> Decimal:
        return round_half_up(self.satisfaction, INDEX_PLACES)
