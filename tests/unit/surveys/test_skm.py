import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.surveys.domain.skm import (
    AGE_BANDS,
    EDUCATION_LEVELS,
    ELEMENT_CODES,
    ELEMENTS,
    OCCUPATIONS,
    SEXES,
    InvalidSurveyInput,
    SurveyDomainError,
    age_band,
    check_sample,
    choice,
    element,
    required_sample,
    validate_answers,
)

ALL_THREES = dict.fromkeys(ELEMENT_CODES, 3)


def problems(exc: pytest.ExceptionInfo[InvalidSurveyInput]) -> dict[str, str]:
    return {p.field: p.message for p in exc.value.problems}


class TestElements:
    def test_nine_elements_in_the_regulations_order(self) -> None:
        assert [(e.code, e.name_id) for e in ELEMENTS] == [
            ("U1", "Persyaratan"),
            ("U2", "Sistem, Mekanisme, dan Prosedur"),
            ("U3", "Waktu Penyelesaian"),
            ("U4", "Biaya/Tarif"),
            ("U5", "Produk Spesifikasi Jenis Pelayanan"),
            ("U6", "Kompetensi Pelaksana"),
            ("U7", "Perilaku Pelaksana"),
            ("U8", "Penanganan Pengaduan, Saran dan Masukan"),
            ("U9", "Sarana dan Prasarana"),
        ]

    @pytest.mark.parametrize(
        ("code", "labels"),
        [
            ("U1", ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai")),
            ("U2", ("Tidak mudah", "Kurang mudah", "Mudah", "Sangat mudah")),
            ("U3", ("Tidak cepat", "Kurang cepat", "Cepat", "Sangat cepat")),
            ("U4", ("Sangat mahal", "Cukup mahal", "Murah", "Gratis")),
            ("U5", ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai")),
            ("U6", ("Tidak kompeten", "Kurang kompeten", "Kompeten", "Sangat kompeten")),
            (
                "U7",
                (
                    "Tidak sopan dan ramah",
                    "Kurang sopan dan ramah",
                    "Sopan dan ramah",
                    "Sangat sopan dan ramah",
                ),
            ),
            (
                "U8",
                (
                    "Tidak ada",
                    "Ada tetapi tidak berfungsi",
                    "Berfungsi kurang maksimal",
                    "Dikelola dengan baik",
                ),
            ),
            ("U9", ("Buruk", "Cukup", "Baik", "Sangat baik")),
        ],
    )
    def test_indonesian_labels_of_the_annex_form(self, code: str, labels: tuple[str, ...]) -> None:
        assert element(code).labels_id == labels

    def test_every_element_is_bilingual_with_four_distinct_labels(self) -> None:
        for e in ELEMENTS:
            assert e.name_en and e.question_id and e.question_en
            assert len(set(e.labels_id)) == 4
            assert len(set(e.labels_en)) == 4

    def test_label_by_score_and_language(self) -> None:
        assert element("U4").label(4) == "Gratis"
        assert element("U4").label(4, "en") == "Free of charge"
        assert element("U3").label(1, "en") == "Not fast"
        with pytest.raises(SurveyDomainError):
            element("U3").label(5)

    def test_annex_form_asks_facilities_before_complaint_handling(self) -> None:
        assert [e.annex_question for e in ELEMENTS] == [1, 2, 3, 4, 5, 6, 7, 9, 8]

    def test_unknown_element_code(self) -> None:
        with pytest.raises(InvalidSurveyInput) as exc:
            element("U10")
        assert problems(exc) == {"U10": "unknown SKM element"}


class TestValidateAnswers:
    def test_returns_answers_in_regulation_order(self) -> None:
        answers = dict(reversed(list(ALL_THREES.items()))) | {"U4": 4}
        assert list(validate_answers(answers).items()) == [
            (code, 4 if code == "U4" else 3) for code in ELEMENT_CODES
        ]

    def test_names_unknown_element(self) -> None:
        with pytest.raises(InvalidSurveyInput) as exc:
            validate_answers(ALL_THREES | {"U10": 3})
        assert problems(exc) == {"U10": "unknown SKM element"}

    def test_names_missing_elements(self) -> None:
        answers = {k: v for k, v in ALL_THREES.items() if k not in {"U4", "U9"}}
        with pytest.raises(InvalidSurveyInput) as exc:
            validate_answers(answers)
        assert problems(exc) == {"U4": "missing answer", "U9": "missing answer"}

    @pytest.mark.parametrize("bad", [0, 5, -1, True, 3.0, "3", None])
    def test_names_out_of_range_or_non_integer_value(self, bad: object) -> None:
        with pytest.raises(InvalidSurveyInput) as exc:
            validate_answers(ALL_THREES | {"U7": bad})
        assert list(problems(exc)) == ["U7"]
        assert "1..4" in problems(exc)["U7"]

    def test_reports_every_problem_at_once(self) -> None:
        answers = {k: v for k, v in ALL_THREES.items() if k != "U2"} | {"U1": 9, "X": 1}
        with pytest.raises(InvalidSurveyInput) as exc:
            validate_answers(answers)
        assert set(problems(exc)) == {"X", "U1", "U2"}
        assert "U1" in str(exc.value) and exc.value.code == "invalid_survey_input"

    def test_is_a_value_error(self) -> None:
        with pytest.raises(ValueError, match="missing"):
            validate_answers({})


class TestProfile:
    def test_closed_sets_have_unique_codes(self) -> None:
        for choices in (SEXES, EDUCATION_LEVELS, OCCUPATIONS, tuple(b for _, b in AGE_BANDS)):
            codes = [c.code for c in choices]
            assert len(codes) == len(set(codes))
            assert all(c.label_id and c.label_en for c in choices)

    def test_form_categories(self) -> None:
        assert [c.label_id for c in SEXES] == ["Laki-laki", "Perempuan"]
        assert [c.code for c in EDUCATION_LEVELS] == ["SD", "SMP", "SMA", "D1_D4", "S1", "S2", "S3"]
        assert {"PNS", "TNI", "POLRI", "SWASTA", "WIRAUSAHA", "LAINNYA"} <= {
            c.code for c in OCCUPATIONS
        }

    def test_choice_lookup_names_the_field(self) -> None:
        assert choice(OCCUPATIONS, "POLRI", field="occupation").label_en == "National police"
        with pytest.raises(InvalidSurveyInput) as exc:
            choice(EDUCATION_LEVELS, "S4", field="education")
        assert list(problems(exc)) == ["education"]

    @pytest.mark.parametrize(
        ("age", "code"),
        [
            (0, "AGE_UNDER_20"),
            (19, "AGE_UNDER_20"),
            (20, "AGE_20_29"),
            (29, "AGE_20_29"),
            (30, "AGE_30_39"),
            (49, "AGE_40_49"),
            (59, "AGE_50_59"),
            (60, "AGE_60_PLUS"),
            (120, "AGE_60_PLUS"),
        ],
    )
    def test_age_band_edges(self, age: int, code: str) -> None:
        assert age_band(age).code == code

    @pytest.mark.parametrize("age", [-1, 121, 30.5, True])
    def test_age_out_of_range(self, age: object) -> None:
        with pytest.raises(InvalidSurveyInput) as exc:
            age_band(age)  # type: ignore[arg-type]
        assert list(problems(exc)) == ["age"]


class TestSampleSize:
    # Krejcie & Morgan (1970) table, N -> S. 100 000 is left out: see the test below.
    @pytest.mark.parametrize(
        ("population", "sample"),
        [
            (10, 10), (15, 14), (20, 19), (25, 24), (30, 28), (50, 44), (100, 80),
            (150, 108), (200, 132), (250, 152), (300, 169), (400, 196), (500, 217),
            (1000, 278), (1500, 306), (2000, 322), (3000, 341), (5000, 357), (10000, 370),
            (20000, 377), (50000, 381), (1000000, 384),
        ],
    )  # fmt: skip
    def test_published_table(self, population: int, sample: int) -> None:
        assert required_sample(population) == sample

    def test_100000_does_not_reproduce_the_published_384(self) -> None:
        # 3.841 x 100000 x 0.25 / (0.0025 x 99999 + 3.841 x 0.25) = 96025 / 250.95775
        # = 382.634..., so 383; the published table prints 384 (its 1 000 000 row is 384 too).
        assert required_sample(100_000) == 383

    def test_check_sample(self) -> None:
        assert check_sample(1000, 300).sufficient
        short = check_sample(1000, 250)
        assert (short.required, short.sufficient, short.shortfall) == (278, False, 28)
        assert check_sample(1, 1).required == 1

    @pytest.mark.parametrize(("population", "respondents"), [(0, 1), (-5, 1), (10, -1)])
    def test_invalid_inputs(self, population: int, respondents: int) -> None:
        with pytest.raises(SurveyDomainError):
            check_sample(population, respondents)

    @settings(deadline=None)  # invariants, not timings (the machine is shared)

    @given(st.integers(1, 10**7))
    def test_sample_never_exceeds_population_and_grows(self, n: int) -> None:
        assert 1 <= required_sample(n) <= n
        assert required_sample(n) <= required_sample(n + 1) <= 384
