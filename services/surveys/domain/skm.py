"""The SKM of PermenPANRB 14/2017: the nine elements, the respondent profile, the sample size.

Pure data, validation and arithmetic; no I/O. Answers are keyed by the element's stable code
(``U1``..``U9``) and scored 1 (worst) to 4 (best). The IKM itself is in ``ikm``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from fractions import Fraction
from typing import Literal

from shared.ikm import IkmError

MIN_SCORE = 1
MAX_SCORE = 4


#: A survey rule was broken (``code``: a stable machine-readable name). The same class as the
#: IKM arithmetic's error, which lives in shared/ikm.py (the KPI service reports the IKM too).
SurveyDomainError = IkmError


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One wrong field: its path, an English message, and a stable ``code`` (with the
    ``params`` of its message) that the service's catalogue translates (``errors.MESSAGES``)."""

    field: str
    message: str
    code: str = "invalid"
    params: Mapping[str, object] = dataclass_field(default_factory=dict)


class InvalidSurveyInput(SurveyDomainError):
    """One or more fields of a submitted form are wrong; ``problems`` names each one."""

    code = "invalid_survey_input"

    def __init__(self, problems: tuple[FieldProblem, ...]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))


@dataclass(frozen=True, slots=True)
class Element:
    """One unsur. ``labels_*[i]`` is the label of score ``i + 1``.

    ``annex_question`` is the element's question number on the sample form in the annex, which
    asks about facilities (U9) eighth and complaint handling (U8) ninth.
    """

    code: str
    name_id: str
    name_en: str
    question_id: str
    question_en: str
    labels_id: tuple[str, str, str, str]
    labels_en: tuple[str, str, str, str]
    annex_question: int

    def label(self, score: int, lang: Literal["id", "en"] = "id") -> str:
        if not MIN_SCORE <= score <= MAX_SCORE:
            raise SurveyDomainError(f"score must be {MIN_SCORE}..{MAX_SCORE}, got {score}")
        return (self.labels_id if lang == "id" else self.labels_en)[score - 1]


_SESUAI = ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai")

# In the order of the regulation's list of elements; each weighs exactly 1/9.
ELEMENTS: tuple[Element, ...] = (
    Element(
        "U1",
        "Persyaratan",
        "Requirements",
        "Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan dengan jenis "
        "pelayanannya?",
        "How well do the service requirements suit the type of service?",
        _SESUAI,
        ("Not suitable", "Not very suitable", "Suitable", "Very suitable"),
        1,
    ),
    Element(
        "U2",
        "Sistem, Mekanisme, dan Prosedur",
        "Systems, mechanisms and procedures",
        "Bagaimana pemahaman Saudara tentang kemudahan prosedur pelayanan di unit ini?",
        "How easy is the service procedure at this unit?",
        ("Tidak mudah", "Kurang mudah", "Mudah", "Sangat mudah"),
        ("Not easy", "Not very easy", "Easy", "Very easy"),
        2,
    ),
    Element(
        "U3",
        "Waktu Penyelesaian",
        "Completion time",
        "Bagaimana pendapat Saudara tentang kecepatan waktu dalam memberikan pelayanan?",
        "How fast was the service delivered?",
        ("Tidak cepat", "Kurang cepat", "Cepat", "Sangat cepat"),
        ("Not fast", "Not very fast", "Fast", "Very fast"),
        3,
    ),
    Element(
        "U4",
        "Biaya/Tarif",
        "Cost/fee",
        "Bagaimana pendapat Saudara tentang kewajaran biaya/tarif dalam pelayanan?",
        "How reasonable is the cost or fee of the service?",
        ("Sangat mahal", "Cukup mahal", "Murah", "Gratis"),
        ("Very expensive", "Quite expensive", "Inexpensive", "Free of charge"),
        4,
    ),
    Element(
        "U5",
        "Produk Spesifikasi Jenis Pelayanan",
        "Service product specification",
        "Bagaimana pendapat Saudara tentang kesesuaian produk pelayanan antara yang tercantum "
        "dalam standar pelayanan dengan hasil yang diberikan?",
        "How well does the service output match what the service standard specifies?",
        _SESUAI,
        ("Does not match", "Partly matches", "Matches", "Fully matches"),
        5,
    ),
    Element(
        "U6",
        "Kompetensi Pelaksana",
        "Staff competence",
        "Bagaimana pendapat Saudara tentang kompetensi/kemampuan petugas dalam pelayanan?",
        "How competent were the staff who served you?",
        ("Tidak kompeten", "Kurang kompeten", "Kompeten", "Sangat kompeten"),
        ("Not competent", "Not very competent", "Competent", "Very competent"),
        6,
    ),
    Element(
        "U7",
        "Perilaku Pelaksana",
        "Staff conduct",
        "Bagaimana pendapat Saudara tentang perilaku petugas dalam pelayanan terkait kesopanan "
        "dan keramahan?",
        "How polite and friendly were the staff?",
        (
            "Tidak sopan dan ramah",
            "Kurang sopan dan ramah",
            "Sopan dan ramah",
            "Sangat sopan dan ramah",
        ),
        (
            "Impolite and unfriendly",
            "Not very polite or friendly",
            "Polite and friendly",
            "Very polite and friendly",
        ),
        7,
    ),
    Element(
        "U8",
        "Penanganan Pengaduan, Saran dan Masukan",
        "Handling of complaints, suggestions and feedback",
        "Bagaimana pendapat Saudara tentang penanganan pengaduan pengguna layanan?",
        "How are complaints from service users handled?",
        (
            "Tidak ada",
            "Ada tetapi tidak berfungsi",
            "Berfungsi kurang maksimal",
            "Dikelola dengan baik",
        ),
        ("There is none", "Exists but does not work", "Works, but not fully", "Well managed"),
        9,
    ),
    Element(
        "U9",
        "Sarana dan Prasarana",
        "Facilities and infrastructure",
        "Bagaimana pendapat Saudara tentang kualitas sarana dan prasarana?",
        "What is the quality of the facilities and infrastructure?",
        ("Buruk", "Cukup", "Baik", "Sangat baik"),
        ("Poor", "Fair", "Good", "Very good"),
        8,
    ),
)
ELEMENT_CODES: tuple[str, ...] = tuple(e.code for e in ELEMENTS)
_BY_CODE = {e.code: e for e in ELEMENTS}


def element(code: str) -> Element:
    try:
        return _BY_CODE[code]
    except KeyError:
        raise InvalidSurveyInput((FieldProblem(code, "unknown SKM element",
                                               "unknown_element"),)) from None


def validate_answers(answers: Mapping[str, object]) -> dict[str, int]:
    """Check one response: every element U1..U9 answered once with an integer 1..4.

    Returns the answers in the regulation's order. Raises ``InvalidSurveyInput`` naming every
    offending field (unknown element, missing element, or a value that is not 1..4).
    """
    problems = [FieldProblem(str(k), "unknown SKM element", "unknown_element")
                for k in answers if k not in _BY_CODE]
    scores: dict[str, int] = {}
    for code in ELEMENT_CODES:
        if code not in answers:
            problems.append(FieldProblem(code, "missing answer", "missing_answer"))
            continue
        value = answers[code]
        if type(value) is not int or not MIN_SCORE <= value <= MAX_SCORE:
            problems.append(
                FieldProblem(code, f"must be an integer {MIN_SCORE}..{MAX_SCORE}, got {value!r}",
                             "answer_out_of_scale", {"min": MIN_SCORE, "max": MAX_SCORE})
            )
        else:
            scores[code] = value
    if problems:
        raise InvalidSurveyInput(tuple(problems))
    return scores


# --- Respondent profile (the "Profil" block of the form) ------------------------------------


@dataclass(frozen=True, slots=True)
class Choice:
    code: str
    label_id: str
    label_en: str


SEXES: tuple[Choice, ...] = (
    Choice("L", "Laki-laki", "Male"),
    Choice("P", "Perempuan", "Female"),
)
EDUCATION_LEVELS: tuple[Choice, ...] = (
    Choice("SD", "SD ke bawah", "Primary school or less"),
    Choice("SMP", "SMP/sederajat", "Junior secondary school"),
    Choice("SMA", "SMA/sederajat", "Senior secondary school"),
    Choice("D1_D4", "D1-D3-D4", "Diploma (D1 to D4)"),
    Choice("S1", "S1", "Bachelor's degree"),
    Choice("S2", "S2", "Master's degree"),
    Choice("S3", "S3", "Doctorate"),
)
OCCUPATIONS: tuple[Choice, ...] = (
    Choice("PNS", "PNS", "Civil servant"),
    Choice("TNI", "TNI", "Armed forces"),
    Choice("POLRI", "POLRI", "National police"),
    Choice("SWASTA", "Swasta", "Private-sector employee"),
    Choice("WIRAUSAHA", "Wirausaha", "Self-employed"),
    Choice("PELAJAR_MAHASISWA", "Pelajar/Mahasiswa", "Student"),
    Choice("LAINNYA", "Lainnya", "Other"),
)
# The form asks the age in years; these bands are for reports. (lowest age, band).
AGE_BANDS: tuple[tuple[int, Choice], ...] = (
    (0, Choice("AGE_UNDER_20", "< 20 tahun", "Under 20")),
    (20, Choice("AGE_20_29", "20-29 tahun", "20-29")),
    (30, Choice("AGE_30_39", "30-39 tahun", "30-39")),
    (40, Choice("AGE_40_49", "40-49 tahun", "40-49")),
    (50, Choice("AGE_50_59", "50-59 tahun", "50-59")),
    (60, Choice("AGE_60_PLUS", "60 tahun ke atas", "60 and over")),
)
MAX_AGE = 120


def choice(choices: tuple[Choice, ...], code: str, *, field: str) -> Choice:
    """The choice with ``code`` from a closed set, or ``InvalidSurveyInput`` naming ``field``."""
    for c in choices:
        if c.code == code:
            return c
    allowed = ", ".join(c.code for c in choices)
    raise InvalidSurveyInput((FieldProblem(field, f"must be one of {allowed}, got {code!r}",
                                           "not_a_choice", {"allowed": allowed}),))


def age_band(age: int) -> Choice:
    if type(age) is not int or not 0 <= age <= MAX_AGE:
        raise InvalidSurveyInput((FieldProblem("age", f"must be 0..{MAX_AGE}, got {age!r}",
                                               "age_out_of_range", {"max": MAX_AGE}),))
    return next(band for lowest, band in reversed(AGE_BANDS) if age >= lowest)


# --- Sample size (Krejcie & Morgan 1970) ------------------------------------------------------

CHI_SQUARE = Fraction("3.841")  # chi-square, 1 degree of freedom, 95% confidence
PROPORTION = Fraction(1, 2)
MARGIN = Fraction("0.05")


def required_sample(population: int) -> int:
    """Respondents needed for ``population`` service users in the period.

    S = X2 N P(1-P) / (d2 (N-1) + X2 P(1-P)), rounded half-up to a whole respondent.
    """
    if type(population) is not int or population < 1:
        raise SurveyDomainError(f"population must be a positive integer, got {population!r}")
    pq = CHI_SQUARE * PROPORTION * (1 - PROPORTION)
    exact = pq * population / (MARGIN**2 * (population - 1) + pq)
    return math.floor(exact + Fraction(1, 2))


@dataclass(frozen=True, slots=True)
class SampleCheck:
    population: int
    required: int
    respondents: int
    sufficient: bool
    shortfall: int  # respondents still needed, 0 when sufficient


def check_sample(population: int, respondents: int) -> SampleCheck:
    """Whether ``respondents`` are enough for ``population`` service users in the period."""
    if type(respondents) is not int or respondents < 0:
        raise SurveyDomainError(f"respondents must be >= 0, got {respondents!r}")
    required = required_sample(population)
    shortfall = max(required - respondents, 0)
    return SampleCheck(population, required, respondents, shortfall == 0, shortfall)
