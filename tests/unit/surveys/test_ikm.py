import time
from collections.abc import Callable
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.surveys.domain.ikm import (
    GRADE_BANDS,
    ElementTally,
    Grade,
    IncompleteTally,
    LikertTally,
    SkmTally,
    add_response,
    compute_ikm,
    grade_for,
    merge_tallies,
    round_half_up,
)
from services.surveys.domain.skm import ELEMENT_CODES, InvalidSurveyInput, SurveyDomainError
from shared.ikm import round_half_up_float

D = Decimal


def fold(responses: list[dict[str, int]]) -> SkmTally:
    tally = SkmTally()
    for answers in responses:
        tally = add_response(tally, answers)
    return tally


def counts_for(n: int, total: int) -> tuple[int, int, int, int]:
    """n answers summing to total, using two adjacent scores."""
    low = min((total - n) // n + 1, 3)  # the lower of the two scores used
    high_count = total - low * n
    counts = [0, 0, 0, 0]
    counts[low - 1] += n - high_count
    counts[low] += high_count
    assert sum(counts) == n and sum(s * c for s, c in enumerate(counts, 1)) == total
    return (counts[0], counts[1], counts[2], counts[3])


def tally_of(n: int, totals: list[int]) -> SkmTally:
    """Every element answered n times; element i's answers sum to totals[i]."""
    pairs = zip(ELEMENT_CODES, totals, strict=True)
    return SkmTally(n, tuple(ElementTally(c, counts_for(n, t)) for c, t in pairs))


def uniform_ikm(thousandths: int) -> SkmTally:
    """A tally whose exact IKM is thousandths / 1000.

    25 000 answers per element, each element summing to T: NRR = T / 25 000, so
    IKM = (9 x T / 25 000) / 9 x 25 = T / 1000.
    """
    return tally_of(25_000, [thousandths] * 9)


class TestHandComputed:
    def test_two_respondents(self) -> None:
        # U1..U9 of respondent 1: 4 3 2 4 3 3 4 1 3
        #            respondent 2: 3 3 3 4 4 3 4 2 3
        # totals                 : 7 6 5 8 7 6 8 3 6  (sum 56)
        # NRR = total / 2        : 3.5 3 2.5 4 3.5 3 4 1.5 3  (sum 28)
        # NI = 28 / 9 = 3.1111..., IKM = 28 / 9 x 25 = 700 / 9 = 77.777... -> 77.78, B
        tally = fold(
            [
                dict(zip(ELEMENT_CODES, [4, 3, 2, 4, 3, 3, 4, 1, 3], strict=True)),
                dict(zip(ELEMENT_CODES, [3, 3, 3, 4, 4, 3, 4, 2, 3], strict=True)),
            ]
        )
        result = compute_ikm(tally)
        assert result.respondents == 2
        assert [e.total for e in result.elements] == [7, 6, 5, 8, 7, 6, 8, 3, 6]
        assert result.ni == Fraction(28, 9) and result.ni_rounded == D("3.1111")
        assert result.ikm == Fraction(700, 9)
        assert result.ikm_rounded == D("77.78")
        assert result.grade is Grade.B
        u8 = result.elements[7]
        # U8: answers 1 and 2 -> counts (1, 1, 0, 0), NRR 1.5, index 37.5 -> D
        assert (u8.code, u8.counts, u8.nrr, u8.index_rounded, u8.grade) == (
            "U8",
            (1, 1, 0, 0),
            Fraction(3, 2),
            D("37.50"),
            Grade.D,
        )
        # U3: NRR 2.5, index 62.5 -> D; U2: NRR 3, index 75 -> C
        assert [e.code for e in result.weakest_first()[:3]] == ["U8", "U3", "U2"]

    def test_unequal_answer_counts_per_element(self) -> None:
        # 4 respondents, but U9 has only 3 answers (one paper form left it blank).
        # U1..U8: counts (0, 0, 4, 0) -> total 12 / 4 = NRR 3
        # U9: counts (0, 0, 0, 3) -> total 12 / 3 = NRR 4 (divided by 3, not by 4)
        # NI = (8 x 3 + 4) / 9 = 28 / 9 -> IKM 700 / 9 = 77.78, B
        elements = tuple(ElementTally(c, (0, 0, 4, 0)) for c in ELEMENT_CODES[:8])
        result = compute_ikm(SkmTally(4, (*elements, ElementTally("U9", (0, 0, 0, 3)))))
        assert result.elements[8].nrr == 4
        assert result.ikm == Fraction(700, 9)

    def test_best_and_worst(self) -> None:
        best = compute_ikm(fold([dict.fromkeys(ELEMENT_CODES, 4)]))
        worst = compute_ikm(fold([dict.fromkeys(ELEMENT_CODES, 1)]))
        assert (best.ikm_rounded, best.grade) == (D("100.00"), Grade.A)
        assert (worst.ikm_rounded, worst.grade) == (D("25.00"), Grade.D)

    def test_invalid_response_is_not_folded(self) -> None:
        with pytest.raises(InvalidSurveyInput):
            add_response(SkmTally(), dict.fromkeys(ELEMENT_CODES, 5))


class TestGradeBoundaries:
    @pytest.mark.parametrize(
        ("thousandths", "reported", "grade"),
        [
            (100_000, "100.00", Grade.A),
            (88_310, "88.31", Grade.A),
            (88_305, "88.31", Grade.A),  # 88.305 -> half up -> 88.31
            (88_304, "88.30", Grade.B),
            (88_300, "88.30", Grade.B),
            (76_610, "76.61", Grade.B),
            (76_605, "76.61", Grade.B),  # 76.605 -> 76.61
            (76_604, "76.60", Grade.C),
            (76_600, "76.60", Grade.C),
            (65_000, "65.00", Grade.C),
            (64_995, "65.00", Grade.C),  # 64.995 -> 65.00
            (64_994, "64.99", Grade.D),
            (64_990, "64.99", Grade.D),
            (25_000, "25.00", Grade.D),
        ],
    )
    def test_edges(self, thousandths: int, reported: str, grade: Grade) -> None:
        result = compute_ikm(uniform_ikm(thousandths))
        assert result.ikm == Fraction(thousandths, 1000)
        assert result.ikm_rounded == D(reported)
        assert result.grade is grade
        assert all(e.grade is grade for e in result.elements)

    def test_half_up_is_not_bankers_rounding(self) -> None:
        # 88.305 exactly: NI = 3.5322, inside the gap 3.532 | 3.5324 of the NI table.
        result = compute_ikm(uniform_ikm(88_305))
        assert result.ni == Fraction("3.5322")
        assert D("88.305").quantize(D("0.01"), rounding=ROUND_HALF_EVEN) == D("88.30")
        assert (result.ikm_rounded, result.grade) == (D("88.31"), Grade.A)

    def test_ni_table_times_25_is_the_index_table(self) -> None:
        for band in GRADE_BANDS.values():
            assert band.min_ni * 25 == band.min_index
            assert band.max_ni * 25 == band.max_index

    @pytest.mark.parametrize("value", [D("24.994"), D("100.005"), 0, -3])
    def test_grade_outside_the_scale(self, value: Decimal) -> None:
        with pytest.raises(SurveyDomainError):
            grade_for(value)

    def test_round_half_up(self) -> None:
        assert round_half_up(Fraction(1, 200), 2) == D("0.01")
        assert round_half_up(Fraction(-1, 200), 2) == D("-0.01")
        assert round_half_up(D("2.675"), 2) == D("2.68")  # round(2.675, 2) == 2.67 in floats
        assert round_half_up(100, 2) == D("100.00")
        assert round_half_up(Fraction(2, 3), 4) == D("0.6667")


class TestExactWeights:
    def test_0_111_weights_change_the_grade(self) -> None:
        # 10 answers per element; U1..U8 sum to 35 (NRR 3.5), U9 to 38 (NRR 3.8); sum of NRR 31.8.
        # Exact: 31.8 / 9 x 25 = 88.333... -> 88.33, A.
        # Spreadsheet weight 0.111: 31.8 x 0.111 x 25 = 88.245 -> 88.25, B.
        result = compute_ikm(tally_of(10, [35] * 8 + [38]))
        assert (result.ikm_rounded, result.grade) == (D("88.33"), Grade.A)
        spreadsheet = D("31.8") * D("0.111") * 25
        assert spreadsheet == D("88.245")
        assert grade_for(spreadsheet) is Grade.B

    def test_0_11_and_0_111_cannot_reach_100(self) -> None:
        # All answers 4: sum of NRR 36; 36 x 0.11 x 25 = 99.00, 36 x 0.111 x 25 = 99.90.
        assert compute_ikm(tally_of(1, [4] * 9)).ikm == 100
        assert 36 * D("0.11") * 25 == D("99.00") and 36 * D("0.111") * 25 == D("99.900")


class TestTallies:
    def test_no_answers_to_an_element(self) -> None:
        elements = tuple(ElementTally(c, (0, 0, 1, 0)) for c in ELEMENT_CODES[:8])
        with pytest.raises(IncompleteTally, match="U9"):
            compute_ikm(SkmTally(1, (*elements, ElementTally("U9"))))

    def test_empty_tally(self) -> None:
        with pytest.raises(IncompleteTally, match="needs all nine"):
            compute_ikm(SkmTally())

    @pytest.mark.parametrize(
        "make",
        [
            lambda: SkmTally(1, tuple(ElementTally(c) for c in reversed(ELEMENT_CODES))),
            lambda: SkmTally(1, tuple(ElementTally(c) for c in ELEMENT_CODES[:8])),
            lambda: SkmTally(-1),
            lambda: SkmTally(1, tally_of(2, [6] * 9).elements),  # 2 answers, 1 respondent
            lambda: ElementTally("U1", (0, -1, 0, 0)),
            lambda: ElementTally("U1", (0, 1, 0)),  # type: ignore[arg-type]
        ],
    )
    def test_malformed_tallies(self, make: Callable[[], object]) -> None:
        with pytest.raises(SurveyDomainError):
            make()

    def test_merge(self) -> None:
        a, b = tally_of(2, [6] * 9), tally_of(3, [12] * 9)
        merged = merge_tallies(a, b)
        assert merged.respondents == 5
        assert merged.element("U5").count == 5 and merged.element("U5").total == 18
        assert merge_tallies() == SkmTally()

    def test_large_tally_is_fast(self) -> None:
        # 100 000 responses held as counts, merged from 100 segments of 1 000.
        # Each element sums to 3000 + 3007 + ... + 3693 = 334 650; NRR 3.3465 -> 83.6625.
        segments = [tally_of(1_000, [3_000 + 7 * i] * 9) for i in range(100)]
        start = time.perf_counter()
        result = compute_ikm(merge_tallies(*segments))
        report = [(e.nrr_rounded, e.index_rounded, e.grade) for e in result.elements]
        assert (result.ikm_rounded, result.grade, len(report)) == (D("83.66"), Grade.B, 9)
        assert time.perf_counter() - start < 0.2
        assert result.respondents == 100_000


responses = st.lists(
    st.fixed_dictionaries({c: st.integers(1, 4) for c in ELEMENT_CODES}), min_size=1, max_size=30
)


class TestProperties:
    @settings(deadline=None)  # invariants, not timings (the machine is shared)
    @given(responses)
    def test_ikm_within_25_and_100(self, answers: list[dict[str, int]]) -> None:
        result = compute_ikm(fold(answers))
        assert 25 <= result.ikm <= 100
        assert D(25) <= result.ikm_rounded <= D(100)
        assert result.ikm == sum(e.nrr for e in result.elements) / 9 * 25

    @settings(deadline=None)  # invariants, not timings (the machine is shared)

    @given(responses, st.data())
    def test_raising_an_answer_never_lowers_the_ikm(
        self, answers: list[dict[str, int]], data: st.DataObject
    ) -> None:
        i = data.draw(st.integers(0, len(answers) - 1))
        code = data.draw(st.sampled_from(ELEMENT_CODES))
        raised = [dict(a) for a in answers]
        raised[i][code] = data.draw(st.integers(raised[i][code], 4))
        before, after = compute_ikm(fold(answers)), compute_ikm(fold(raised))
        assert after.ikm >= before.ikm
        assert after.grade.rank >= before.grade.rank

    @settings(deadline=None)  # invariants, not timings (the machine is shared)

    @given(st.decimals(25, 100, places=3), st.decimals(25, 100, places=3))
    def test_grade_is_monotone(self, a: Decimal, b: Decimal) -> None:
        low, high = sorted((a, b))
        assert grade_for(low).rank <= grade_for(high).rank

    @settings(deadline=None)  # invariants, not timings (the machine is shared)

    @given(responses, responses)
    def test_merging_equals_aggregating_the_union(
        self, xs: list[dict[str, int]], ys: list[dict[str, int]]
    ) -> None:
        merged = merge_tallies(fold(xs), fold(ys))
        assert merged == fold(xs + ys)
        assert compute_ikm(merged) == compute_ikm(fold(xs + ys))


class TestLikert:
    def test_hand_computed_five_points(self) -> None:
        # answers 5, 4, 1 -> mean 10/3 = 3.33; satisfaction (10/3 - 1) / 4 x 100 = 175/3 = 58.33
        tally = LikertTally.empty(5).add(5).add(4).add(1)
        assert tally.counts == (1, 0, 0, 1, 1)
        assert tally.shares == (Fraction(1, 3), 0, 0, Fraction(1, 3), Fraction(1, 3))
        assert (tally.mean, tally.mean_rounded) == (Fraction(10, 3), D("3.33"))
        assert tally.satisfaction == Fraction(175, 3)
        assert tally.satisfaction_rounded == D("58.33")

    @pytest.mark.parametrize(("points", "low", "high"), [(3, 0, 100), (7, 0, 100)])
    def test_scale_ends(self, points: int, low: int, high: int) -> None:
        assert LikertTally.empty(points).add(1).satisfaction == low
        assert LikertTally.empty(points).add(points).satisfaction == high
        # the middle of an odd scale is 50
        middle = LikertTally.empty(points).add((points + 1) // 2)
        assert middle.satisfaction == 50

    def test_errors(self) -> None:
        with pytest.raises(SurveyDomainError):
            LikertTally.empty(2)
        with pytest.raises(SurveyDomainError):
            LikertTally.empty(8)
        with pytest.raises(SurveyDomainError):
            LikertTally.empty(5).add(6)
        with pytest.raises(SurveyDomainError):
            LikertTally.empty(5).merge(LikertTally.empty(4))
        with pytest.raises(IncompleteTally):
            _ = LikertTally.empty(5).mean

    @settings(deadline=None)  # invariants, not timings (the machine is shared)

    @given(
        st.integers(3, 7).flatmap(
            lambda p: st.lists(st.integers(1, p), min_size=1).map(lambda xs: (p, xs))
        )
    )
    def test_satisfaction_in_0_100_and_merge(self, case: tuple[int, list[int]]) -> None:
        points, answers = case
        whole, left, right = (LikertTally.empty(points) for _ in range(3))
        for i, a in enumerate(answers):
            whole = whole.add(a)
            left, right = (left.add(a), right) if i % 2 else (left, right.add(a))
        assert left.merge(right) == whole
        assert 0 <= whole.satisfaction <= 100


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.fractions(max_denominator=10**6).filter(lambda f: abs(f) < 10**9),
                 st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
                 st.sampled_from([Fraction(k, 200) for k in range(-400, 400)]),
                 st.integers(min_value=-10**6, max_value=10**6)),
       st.sampled_from([0, 2, 4]))
def test_float_rounding_is_the_exact_rounding_as_a_float(value, places):
    expected = float(round_half_up(Fraction(value), places))
    got = round_half_up_float(value, places)
    assert got == expected and str(got) == str(expected)
