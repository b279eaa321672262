import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.surveys.domain.custom import (
    Item,
    Option,
    check_questionnaire,
    item_from_dict,
    likert_scores,
    scale_max,
    tally_values,
    validate_custom,
)
from services.surveys.domain.skm import InvalidSurveyInput

OPTS = (Option("a", "A", "A"), Option("b", "B", "B"), Option("c", "C", "C"))
ITEMS = (
    Item("q1", "likert", "t", "t", points=5),
    Item("q2", "likert", "t", "t", required=False, points=3),
    Item("pick", "single", "t", "t", options=OPTS),
    Item("many", "multi", "t", "t", required=False, options=OPTS),
    Item("note", "text", "t", "t", required=False),
)


def fields(exc: pytest.ExceptionInfo) -> list[str]:
    return [p.field for p in exc.value.problems]


def test_a_good_questionnaire_passes_and_round_trips():
    check_questionnaire(ITEMS)
    assert tuple(item_from_dict(i.as_dict()) for i in ITEMS) == ITEMS
    assert scale_max(ITEMS) == 5


@pytest.mark.parametrize(("items", "field"), [
    ((Item("q", "likert", "t", "t", points=2),), "items.0.points"),
    ((Item("q", "likert", "t", "t"),), "items.0.points"),
    ((ITEMS[0], Item("q1", "text", "t", "t")), "items.1.code"),
    ((ITEMS[0], Item("s", "single", "t", "t", options=OPTS[:1])), "items.1.options"),
    ((ITEMS[0], Item("s", "multi", "t", "t", options=(OPTS[0], OPTS[0]))), "items.1.options"),
    ((ITEMS[0], Item("n", "text", "t", "t", options=OPTS)), "items.1.options"),
    ((ITEMS[1],), "items"),  # no required Likert item
])
def test_bad_questionnaires_name_the_field(items, field):
    with pytest.raises(InvalidSurveyInput) as info:
        check_questionnaire(items)
    assert field in fields(info)


@pytest.mark.parametrize(("answers", "field"), [
    ({"pick": "a"}, "q1"),
    ({"q1": 6, "pick": "a"}, "q1"),
    ({"q1": True, "pick": "a"}, "q1"),
    ({"q1": 3, "pick": "z"}, "pick"),
    ({"q1": 3, "pick": ["a"]}, "pick"),
    ({"q1": 3, "pick": "a", "many": ["a", "a"]}, "many"),
    ({"q1": 3, "pick": "a", "many": "a"}, "many"),
    ({"q1": 3, "pick": "a", "note": "x" * 2001}, "note"),
    ({"q1": 3, "pick": "a", "extra": 1}, "extra"),
])
def test_bad_answers_name_the_item(answers, field):
    with pytest.raises(InvalidSurveyInput) as info:
        validate_custom(ITEMS, answers)
    assert field in fields(info)


answers = st.fixed_dictionaries(
    {"q1": st.integers(1, 5), "pick": st.sampled_from("abc")},
    optional={"q2": st.integers(1, 3), "many": st.lists(st.sampled_from("abc"), unique=True,
                                                          min_size=1),
              "note": st.text(max_size=50)})


@settings(deadline=None)  # invariants, not timings (the machine is shared)


@given(answers)
def test_valid_answers_count_once_per_value(a):
    valid = validate_custom(ITEMS, a)
    pairs = tally_values(ITEMS, valid)
    assert len(pairs) == len(set(pairs))  # one upsert row each
    assert likert_scores(ITEMS, valid) == {k: v for k, v in a.items() if k in ("q1", "q2")}
    assert ("q1", str(a["q1"])) in pairs and ("pick", a["pick"]) in pairs
    if a.get("note"):
        assert [v for k, v in pairs if k == "note"] == [""]  # the text itself is not counted
    if "many" in a:
        assert {v for k, v in pairs if k == "many"} == {"", *a["many"]}
