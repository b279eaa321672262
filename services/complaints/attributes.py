"""A category's extra questions (Open311 attributes) and the answers a filing gives them.

Pure: the definitions come from the catalogue, the answers from the request; the result is the
clean answers to store, or an ``UnprocessableField`` naming the attribute.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from services.complaints.errors import UnprocessableField

MAX_STRING = 500
MAX_TEXT = 4000


def validate_attributes(definitions: Sequence[Mapping[str, Any]],
                        answers: Mapping[str, Any]) -> dict[str, Any]:
    """Required attributes present, values of the declared type, no unknown attribute."""
    known = {d["code"]: d for d in definitions}
    for code in answers:
        if code not in known:
            raise UnprocessableField(f"attributes.{code}", "The category has no such attribute.")
    clean: dict[str, Any] = {}
    for code, d in known.items():
        value = answers.get(code)
        field = f"attributes.{code}"
        if value in (None, "", []):
            if d.get("required"):
                raise UnprocessableField(field, "This attribute is required.")
            continue
        kind = d["datatype"]
        allowed = {v["key"] for v in d.get("values", [])}
        if kind == "number":
            try:
                clean[code] = float(value)
            except (TypeError, ValueError):
                raise UnprocessableField(field, "Expected a number.") from None
        elif kind == "datetime":
            try:
                clean[code] = datetime.fromisoformat(str(value)).isoformat()
            except ValueError:
                raise UnprocessableField(field, "Expected an ISO-8601 date-time.") from None
        elif kind == "singlevaluelist":
            if str(value) not in allowed:
                raise UnprocessableField(field, f"Expected one of {sorted(allowed)}.")
            clean[code] = str(value)
        elif kind == "multivaluelist":
            values = [str(v) for v in (value if isinstance(value, list) else [value])]
            if not set(values) <= allowed:
                raise UnprocessableField(field, f"Expected values among {sorted(allowed)}.")
            clean[code] = values
        else:
            text = str(value)
            if len(text) > (MAX_TEXT if kind == "text" else MAX_STRING):
                raise UnprocessableField(field, "The value is too long.")
            clean[code] = text
    return clean
