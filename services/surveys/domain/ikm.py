"""IKM arithmetic of PermenPANRB 14/2017: moved to ``shared.ikm`` (the KPI service reports the
same IKM); re-exported here, with ``add_response``, which needs this service's validation of a
questionnaire. See docs/ikm.md.
"""

from __future__ import annotations

from collections.abc import Mapping

from services.surveys.domain.skm import validate_answers
from shared.ikm import (
    GRADE_BANDS,
    INDEX_PLACES,
    INDEX_SCALE,
    MAX_POINTS,
    MIN_POINTS,
    NRR_PLACES,
    ElementTally,
    Grade,
    GradeBand,
    IkmResult,
    IncompleteTally,
    LikertTally,
    SkmTally,
    compute_ikm,
    grade_for,
    merge_tallies,
    round_half_up,
)

__all__ = [
    "GRADE_BANDS", "INDEX_PLACES", "INDEX_SCALE", "MAX_POINTS", "MIN_POINTS", "NRR_PLACES",
    "ElementTally", "Grade", "GradeBand", "IkmResult", "IncompleteTally", "LikertTally",
    "SkmTally", "add_response", "compute_ikm", "grade_for", "merge_tallies", "round_half_up",
]


def add_response(tally: SkmTally, answers: Mapping[str, int]) -> SkmTally:
    """Fold one validated response into ``tally`` (raises ``InvalidSurveyInput`` if invalid)."""
    valid = validate_answers(answers)
    elements = tuple(ElementTally(e.code, tuple(n + 1 if s == valid[e.code] else n
                                                for s, n in enumerate(e.counts, start=1)))
                     for e in tally.elements)
    return SkmTally(tally.respondents + 1, elements)
