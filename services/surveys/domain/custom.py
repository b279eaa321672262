"""Custom surveys: an agency's own questionnaire of Likert (3..7 points), single-choice,
multiple-choice and free-text items. Pure definitions and validation; no I/O.

A questionnaire is versioned: changing it makes a new version, and every response keeps the
version it answered. Each version needs at least one required Likert item (the score that
``survey.response_recorded`` carries). Free text is stored with the response but never
published in an event nor shown in results: it may hold personal data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from services.surveys.domain.ikm import MAX_POINTS, MIN_POINTS
from services.surveys.domain.skm import FieldProblem, InvalidSurveyInput
from shared.text import markup_in

ItemType = Literal["likert", "single", "multi", "text"]
MAX_TEXT = 2000


@dataclass(frozen=True, slots=True)
class Option:
    code: str
    label_id: str
    label_en: str


@dataclass(frozen=True, slots=True)
class Item:
    code: str
    type: ItemType
    text_id: str
    text_en: str
    required: bool = True
    points: int | None = None  # likert only
    options: tuple[Option, ...] = ()  # single and multi only

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "type": self.type, "text_id": self.text_id,
                "text_en": self.text_en, "required": self.required, "points": self.points,
                "options": [{"code": o.code, "label_id": o.label_id, "label_en": o.label_en}
                            for o in self.options]}


def item_from_dict(d: Mapping[str, Any]) -> Item:
    return Item(code=d["code"], type=d["type"], text_id=d["text_id"], text_en=d["text_en"],
                required=d.get("required", True), points=d.get("points"),
                options=tuple(Option(o["code"], o["label_id"], o["label_en"])
                              for o in d.get("options") or ()))


def check_questionnaire(items: Sequence[Item]) -> None:
    """Raises ``InvalidSurveyInput`` naming ``items.<i>.<field>`` for a wrong definition."""
    problems: list[FieldProblem] = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        at = f"items.{i}"
        if item.code in seen:
            problems.append(FieldProblem(f"{at}.code", f"{item.code} is used twice",
                                         "item_code_twice"))
        seen.add(item.code)
        if item.type == "likert":
            if item.points is None or not MIN_POINTS <= item.points <= MAX_POINTS:
                problems.append(FieldProblem(f"{at}.points",
                                             f"a Likert item has {MIN_POINTS}..{MAX_POINTS} "
                                             "points", "likert_points",
                                             {"min": MIN_POINTS, "max": MAX_POINTS}))
        elif item.points is not None:
            problems.append(FieldProblem(f"{at}.points", "only Likert items have points",
                                         "points_not_likert"))
        if item.type in ("single", "multi"):
            codes = [o.code for o in item.options]
            if len(codes) < 2:
                problems.append(FieldProblem(f"{at}.options", "needs at least two options",
                                             "too_few_options"))
            elif len(set(codes)) != len(codes):
                problems.append(FieldProblem(f"{at}.options", "an option code is used twice",
                                             "option_code_twice"))
        elif item.options:
            problems.append(FieldProblem(f"{at}.options", f"a {item.type} item has no options",
                                         "options_not_allowed", {"type": item.type}))
    if not any(i.type == "likert" and i.required for i in items):
        problems.append(FieldProblem("items", "needs at least one required Likert item",
                                     "needs_required_likert"))
    if problems:
        raise InvalidSurveyInput(tuple(problems))


def scale_max(items: Sequence[Item]) -> int:
    return max(i.points or 0 for i in items if i.type == "likert")


def validate_custom(items: Sequence[Item], answers: Mapping[str, Any]) -> dict[str, Any]:
    """Check one response against a version's items; returns the answers in item order.

    Raises ``InvalidSurveyInput`` naming each wrong item (unknown, missing, off the scale,
    not an option, an option twice, text too long)."""
    by_code = {i.code: i for i in items}
    problems = [FieldProblem(str(k), "unknown item", "unknown_item")
                for k in answers if k not in by_code]
    valid: dict[str, Any] = {}
    for item in items:
        if item.code not in answers or answers[item.code] in (None, "", []):
            if item.required:
                problems.append(FieldProblem(item.code, "missing answer", "missing_answer"))
            continue
        value = answers[item.code]
        problem = _check(item, value)
        if problem:
            problems.append(problem)
        else:
            valid[item.code] = value
    if problems:
        raise InvalidSurveyInput(tuple(problems))
    return valid


def _check(item: Item, value: Any) -> FieldProblem | None:
    options = {o.code for o in item.options}
    at = item.code
    if item.type == "likert":
        assert item.points is not None
        if type(value) is not int or not 1 <= value <= item.points:
            return FieldProblem(at, f"must be an integer 1..{item.points}, got {value!r}",
                                "answer_out_of_scale", {"min": 1, "max": item.points})
    elif item.type == "single":
        if not isinstance(value, str) or value not in options:
            allowed = ", ".join(sorted(options))
            return FieldProblem(at, f"must be one of {allowed}", "not_a_choice",
                                {"allowed": allowed})
    elif item.type == "multi":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return FieldProblem(at, "must be a list of option codes", "not_a_choice_list")
        if len(set(value)) != len(value):
            return FieldProblem(at, "an option is chosen twice", "option_chosen_twice")
        unknown = [v for v in value if v not in options]
        if unknown:
            return FieldProblem(at, f"unknown options {', '.join(unknown)}", "unknown_options",
                                {"options": ", ".join(unknown)})
    elif not isinstance(value, str) or len(value) > MAX_TEXT:
        return FieldProblem(at, f"must be text of at most {MAX_TEXT} characters", "not_text",
                            {"max": MAX_TEXT})
    elif (element := markup_in(value)) is not None:  # the one rule of shared/text.py
        return FieldProblem(at, f"HTML markup (<{element}>) is not allowed; send plain text",
                            "html_markup", {"element": element})
    return None


def likert_scores(items: Sequence[Item], answers: Mapping[str, Any]) -> dict[str, int]:
    return {i.code: answers[i.code] for i in items if i.type == "likert" and i.code in answers}


def tally_values(items: Sequence[Item], answers: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(item, value) pairs to count: a Likert score, a chosen option, each option of a multi
    choice; a multi-choice or text item also counts ``""`` once (answered; a text's content is
    never counted or shown)."""
    pairs: list[tuple[str, str]] = []
    for item in items:
        if item.code not in answers:
            continue
        value = answers[item.code]
        if item.type == "multi":
            pairs += [(item.code, ""), *((item.code, v) for v in value)]
        elif item.type == "text":
            pairs.append((item.code, ""))
        else:
            pairs.append((item.code, str(value)))
    return pairs


def _likert(code: str, text_id: str, text_en: str) -> Item:
    return Item(code=code, type="likert", text_id=text_id, text_en=text_en, points=5)


#: The questionnaire of an agency's post-complaint survey until it chooses its own: what a
#: citizen can judge of a complaint's handling (not the fees and facilities of the SKM).
POST_COMPLAINT_ITEMS: tuple[Item, ...] = (
    _likert("speed", "Seberapa cepat pengaduan Anda ditangani?",
            "How quickly was your complaint handled?"),
    _likert("clarity", "Seberapa jelas informasi yang Anda terima selama penanganan?",
            "How clear was the information you were given while it was handled?"),
    _likert("conduct", "Bagaimana sikap petugas yang menangani pengaduan Anda?",
            "How were you treated by the staff who handled it?"),
    _likert("resolution", "Seberapa puas Anda dengan penyelesaiannya?",
            "How satisfied are you with how it was resolved?"),
    Item(code="suggestion", type="text", required=False,
         text_id="Saran untuk perbaikan (opsional)",
         text_en="What should be improved? (optional)"),
)
