"""One error hierarchy for every service, rendered by one handler in one shape (docs/api.md):

    {"error": code, "detail": message, "fields": [{"field", "code", "type", "message"}, ...],
     "more_fields": n}

``code`` is stable and the same in every language; ``detail`` and each field's ``message`` are
rendered in the caller's language from the message catalogue (``shared.http.messages``), with
the ``message`` given here as the English fallback for codes the catalogue does not know.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any


@dataclass(frozen=True, slots=True)
class FieldError:
    """One wrong field: its path as the client sent it (``location.lat``, ``answers.U3``,
    ``Idempotency-Key``; ``""`` for the body as a whole), a stable code, an English message
    (the fallback when the catalogue has no text for the code) and the values the catalogue's
    texts are formatted with."""

    field: str
    code: str
    message: str
    params: Mapping[str, Any] = dataclass_field(default_factory=dict)


class SuaraError(Exception):
    """A refusal a client can act on. ``message`` is the English text (the fallback when the
    catalogue has no text for ``code``); ``params`` fill the catalogue's placeholders;
    ``fields`` name the wrong fields; ``headers`` go on the response (``Retry-After``).

    ``extra`` keys are rendered at the top level of the answer, except ``field`` (one path) and
    ``fields`` (a list of ``{"field", "message", "type"}`` dicts), which become entries of
    ``fields`` (the shape before there was one shape; ``extra`` keeps them as given)."""

    status_code: int = 400
    code: str = "bad_request"

    def __init__(self, message: str, *, status_code: int | None = None, code: str | None = None,
                 extra: dict[str, Any] | None = None, fields: Sequence[FieldError] = (),
                 params: Mapping[str, Any] | None = None,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status_code is not None:
            self.status_code = status_code
        if code is not None:
            self.code = code
        self.params: Mapping[str, Any] = params or {}
        self.headers: Mapping[str, str] = headers or {}
        extra = dict(extra or {})
        found = list(fields)
        one = extra.get("field")
        many = extra.get("fields")
        if isinstance(many, list):
            for entry in many:
                if isinstance(entry, Mapping) and "field" in entry:
                    found.append(FieldError(str(entry["field"]),
                                            str(entry.get("code") or entry.get("type")
                                                or self.code),
                                            str(entry.get("message", message))))
        if one is not None and not any(f.field == str(one) for f in found):
            found.insert(0, FieldError(str(one), self.code, message, self.params))
        self.fields: tuple[FieldError, ...] = tuple(found)
        self.extra = extra

    def top_level(self) -> dict[str, Any]:
        """The ``extra`` keys rendered beside ``error`` and ``detail``."""
        return {k: v for k, v in self.extra.items() if k not in ("field", "fields")}


class NotFound(SuaraError):
    status_code = 404
    code = "not_found"


class Conflict(SuaraError):
    status_code = 409
    code = "conflict"


class Unauthorized(SuaraError):
    status_code = 401
    code = "unauthorized"


class Forbidden(SuaraError):
    status_code = 403
    code = "forbidden"


class Unavailable(SuaraError):
    status_code = 503
    code = "unavailable"


class Invalid(SuaraError):
    """422: the request is well formed but names wrong values (give ``fields``)."""

    status_code = 422
    code = "validation_error"


class TooManyRequests(SuaraError):
    status_code = 429
    code = "rate_limited"
