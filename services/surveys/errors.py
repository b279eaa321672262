"""The surveys service's errors, on the shared ``SuaraError`` (rendered ``{error, detail, ...}``).

Invalid input is a 422 naming every wrong field, in the same shape as request validation:
``{"error": ..., "detail": ..., "field": <first>, "fields": [{"field", "message", "type"}]}``.
The use cases raise these; the domain raises ``InvalidSurveyInput`` (``from_domain``).
"""

from __future__ import annotations

from collections.abc import Iterable

from services.surveys.domain.skm import FieldProblem, InvalidSurveyInput
from shared.errors import Conflict, Forbidden, SuaraError

__all__ = ["FieldProblem", "conflict", "forbidden_agency", "from_domain", "invalid",
           "invalid_field"]


def invalid(problems: Iterable[FieldProblem], *, prefix: str = "",
            code: str = "invalid_response") -> SuaraError:
    fields = [{"field": f"{prefix}{p.field}", "message": p.message, "type": code}
              for p in problems]
    detail = "; ".join(f"{f['field']}: {f['message']}" for f in fields)
    return SuaraError(detail, status_code=422, code=code,
                      extra={"field": fields[0]["field"], "fields": fields})


def invalid_field(field: str, message: str, *, code: str = "invalid_response") -> SuaraError:
    return invalid([FieldProblem(field, message)], code=code)


def from_domain(exc: InvalidSurveyInput, *, prefix: str = "",
                code: str = "invalid_response") -> SuaraError:
    return invalid(exc.problems, prefix=prefix, code=code)


def conflict(field: str, message: str, code: str) -> Conflict:
    return Conflict(message, code=code, extra={"field": field})


def forbidden_agency() -> Forbidden:
    return Forbidden("This survey belongs to another agency.", code="forbidden_agency")
