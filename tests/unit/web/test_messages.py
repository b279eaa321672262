"""Accept-Language negotiation, the catalogue, and what a field path is (pure functions)."""

from __future__ import annotations

import pytest

from shared.errors import FieldError, SuaraError
from shared.http.messages import PYDANTIC, SHARED, Messages, Text, fill, negotiate
from shared.http.problems import client_path, header_name


@pytest.mark.parametrize(("header", "locale"), [
    (None, None), ("", None), ("fr", None), ("id", "id"), ("in", "id"), ("id-ID", "id"),
    ("EN-us", "en"), ("en;q=0.2, id;q=0.9", "id"), ("en, id", "en"), ("id;q=0, en", "en"),
    ("en;q=abc, id;q=0.1", "id"), ("*", None), (";;,,", None)])
def test_negotiate(header, locale):
    assert negotiate(header) == locale


def test_every_shared_code_has_both_languages_and_pydantic_types_indonesian():
    for code, text in SHARED.items():
        assert text.id and text.en, code
    assert all(t.id for t in PYDANTIC.values())


def test_a_service_text_wins_and_params_fill_it():
    m = Messages({"not_found": Text("Hilang {x}.", "Gone {x}.")})
    assert m.text("not_found", "en", {"x": 1}, "fallback") == "Gone 1."
    assert m.text("unknown", "id", {}, "fallback") == "fallback"
    assert fill("{a} and {b}", {"a": 1}) == "1 and {b}"
    assert fill("{a:d}", {"a": "x"}) == "x"


def test_suara_error_extra_becomes_fields():
    exc = SuaraError("bad", code="c", extra={"field": "x", "other": 1})
    assert exc.fields == (FieldError("x", "c", "bad"),) and exc.top_level() == {"other": 1}
    exc = SuaraError("bad", code="c", extra={
        "field": "a", "fields": [{"field": "a", "message": "m", "type": "t"},
                                 {"field": "b", "message": "n", "type": "t"}]})
    assert [f.field for f in exc.fields] == ["a", "b"]


@pytest.mark.parametrize(("loc", "body", "missing", "path"), [
    (("body", "title"), {"title": ""}, False, "title"),
    (("body", "title"), {}, True, "title"),
    (("body",), None, True, ""),
    (("body", "answers", "U3", "int"), {"answers": {"U3": "x"}}, False, "answers.U3"),
    (("body", "answers", "U3", "constrained-str"), {"answers": {"U3": "x"}}, False,
     "answers.U3"),
    (("body", "a", "function-after[check(), str]"), {"a": "x"}, False, "a"),
    (("body", "s", "Circle", "r"), {"s": {"r": "x"}}, False, "s.r"),
    (("body", "s", "Circle", "r"), {"s": {}}, True, "s.r"),
    (("body", "items", 1, "long"), {"items": [{}, {}]}, True, "items.1.long"),
    (("body", "answers", "\ud800", "[key]"), {"answers": {"\ud800": 1}}, False,
     "answers.\ufffd"),
    (("query", "filed_from"), None, False, "filed_from"),
    (("query", "tags", 2), None, False, "tags.2"),
    (("header", "idempotency-key"), None, False, "Idempotency-Key"),
    (("path", "code"), None, False, "code"),
])
def test_client_path(loc, body, missing, path):
    assert client_path(loc, body, missing=missing) == path


def test_header_name():
    assert header_name("x-tracking-token") == "X-Tracking-Token"
