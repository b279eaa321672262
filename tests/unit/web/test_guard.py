"""The JSON guard: every refusal names where, valid bodies pass untouched (issue 8: 3, 6, 7)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.http.guard import JsonGuard, JsonLimits

GUARD = JsonGuard(JsonLimits(max_depth=32, max_keys=50, max_items=100), max_fields=20)


def refusal(body: bytes | str) -> tuple[int, list[tuple[str, str]], int]:
    raw = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    problem = GUARD.inspect(raw)
    assert problem is not None, body
    return problem.status, [(f.field, f.code) for f in problem.fields], problem.more


def nested(depth: int, key: str = "a") -> str:
    return '{"attributes": ' + f'{{"{key}": ' * depth + "1" + "}" * depth + "}"


@pytest.mark.parametrize("body", [
    b'{"title": "x", "privacy": "public"}', b"[]", b"{}", b'"text"', b"1", b"null",
    b'{"emoji": "\\ud83d\\ude00"}', '{"kota": "Bandung \u2013 Jawa Barat \u2615"}'.encode(),
    json.dumps({"rows": [{"a": i} for i in range(60)]}).encode(),  # many objects, shallow
    nested(30).encode(), b'{"n": 9223372036854775807, "m": -9223372036854775808, "f": 1e308}',
])
def test_acceptable_bodies_pass(body):
    assert GUARD.inspect(body) is None


def test_a_duplicate_key_is_named_with_its_path():
    assert refusal('{"privacy": "confidential", "title": "x", "privacy": "public"}') == (
        422, [("privacy", "duplicate_key")], 0)
    assert refusal('{"a": {"b": [{"c": 1, "c": 2}]}}') == (422, [("a.b.0.c", "duplicate_key")],
                                                           0)


@pytest.mark.parametrize("depth", [40, 500, 950, 5000, 100_000])
def test_deep_nesting_is_refused_at_the_limit(depth):
    status, fields, _ = refusal(nested(depth))
    assert status == 422 and fields[0][1] == "too_deep"
    assert fields[0][0] == "attributes" + ".a" * 31  # the 33rd container, by its keys


def test_deep_lists_are_named_by_index():
    _, fields, _ = refusal("[" * 2000 + "]" * 2000)
    assert fields == [(".".join(["0"] * 32), "too_deep")]


def test_too_many_keys_or_items():
    assert refusal(json.dumps({"answers": {f"K{i}": 1 for i in range(51)}})) == (
        422, [("answers", "too_many_keys")], 0)
    assert refusal(json.dumps({"rows": list(range(101))})) == (
        422, [("rows", "too_many_items")], 0)


@pytest.mark.parametrize(("body", "field"), [
    ('{"answers": {"\\ud800": 1}}', "answers.\ufffd"),
    ('{"title": "a\\udc00b"}', "title"),
    ('{"title": "\\ude00\\ud83d"}', "title"),  # a pair in the wrong order
    ('{"list": ["ok", "\\ud800"]}', "list.1"),
    (b'{"raw": "\xed\xa0\x80"}', "raw"),  # a surrogate in UTF-8 form, not escaped
    ('{"title": "a\\u0000b"}', "title"),  # NUL: no PostgreSQL text column can hold it
    ('{"a": {"\\u0000": 1}}', "a.\x00"),
])
def test_unstorable_text_is_named(body, field):
    assert refusal(body) == (422, [(field, "invalid_string")], 0)


@pytest.mark.parametrize(("body", "field"), [
    ('{"age": 9223372036854775808}', "age"), ('{"age": -9223372036854775809}', "age"),
    ('{"age": ' + "9" * 5000 + "}", "age"), ('{"lat": 1e999}', "lat"),
    ('{"x": [1, -1e400]}', "x.1")])
def test_numbers_that_overflow_are_named(body, field):
    assert refusal(body) == (422, [(field, "number_out_of_range")], 0)


@pytest.mark.parametrize("body", [b"{", b'{"a": NaN}', b'{"a": Infinity}', b"\xff\xfe{",
                                  b"\x00", b"{'a': 1}"])
def test_what_is_not_json_is_a_400(body):
    status, fields, _ = refusal(body)
    assert status == 400 and fields == []


def test_the_error_list_is_capped_and_counts_the_rest():
    body = "{" + ", ".join(f'"k{i % 30}": {i}' for i in range(50)) + "}"
    status, fields, more = refusal(body)
    assert status == 422 and len(fields) == 20 and more == 0  # 20 duplicates shown ...
    body = "{" + ", ".join(f'"k{i % 5}": {i}' for i in range(45)) + "}"
    status, fields, more = refusal(body)
    assert len(fields) == 20 and more == 20  # ... 40 found


text = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"),
               max_size=10)  # a NUL or a lone surrogate is refused
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False) | text,
    lambda children: st.lists(children, max_size=5)
    | st.dictionaries(text, children, max_size=5), max_leaves=30)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_any_json_within_the_limits_passes(value):
    assert GUARD.inspect(json.dumps(value).encode()) is None
    assert GUARD.inspect(json.dumps(value, ensure_ascii=False).encode()) is None
