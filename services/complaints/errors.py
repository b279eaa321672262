"""The complaints service's errors, on the shared base, and the domain refusals mapped to HTTP."""

from __future__ import annotations

from services.complaints import domain
from shared.errors import Conflict, Forbidden, NotFound, SuaraError


class ComplaintNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("No such complaint.", code="complaint_not_found")


class UnprocessableField(SuaraError):
    status_code = 422
    code = "invalid_field"

    def __init__(self, field: str, message: str, *, code: str | None = None) -> None:
        super().__init__(message, code=code, extra={"field": field})


def from_domain(exc: domain.ComplaintError) -> SuaraError:
    if isinstance(exc, domain.NotAllowed):
        return Forbidden(str(exc), code="action_not_allowed")
    if isinstance(exc, domain.IllegalTransition):
        return Conflict(str(exc), code="illegal_transition",
                        extra={"current_status": str(exc.current_status),
                               "action": str(exc.action)})
    return SuaraError(str(exc), status_code=422, code="invalid_input")
