"""The complaints service's errors, on the shared base, and the domain refusals mapped to them.

The use cases raise these (one error hierarchy, rendered by the one shared handler); the
repository raises none of them, and the domain raises its own ``ComplaintError``s, which
``from_domain`` translates.
"""

from __future__ import annotations

from services.complaints import domain
from shared.errors import Conflict, Forbidden, NotFound, SuaraError, Unauthorized


class ComplaintNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("No such complaint.", code="complaint_not_found")


class UnprocessableField(SuaraError):
    status_code = 422
    code = "invalid_field"

    def __init__(self, field: str, message: str, *, code: str | None = None) -> None:
        super().__init__(message, code=code, extra={"field": field})


class InvalidCursor(SuaraError):
    def __init__(self) -> None:
        super().__init__("The cursor is not one this API issued.", status_code=400,
                         code="invalid_cursor", extra={"field": "cursor"})


class UnknownCategory(UnprocessableField):
    def __init__(self, code: str) -> None:
        super().__init__("category_code", f"Unknown category {code!r}.", code="unknown_category")


class InvalidTrackingToken(Unauthorized):
    def __init__(self) -> None:
        # the same answer for an unknown code and a wrong token: nothing to probe
        super().__init__("The tracking code and token do not match a complaint.",
                         code="invalid_tracking_token")


class InvalidApiKey(Forbidden):
    """An Open311 filing without a valid ``api_key``."""

    def __init__(self, *, missing: bool) -> None:
        super().__init__("api_key was not provided: a service request needs one." if missing
                         else "Invalid api_key received: it is unknown or revoked.",
                         code="invalid_api_key")


def from_domain(exc: domain.ComplaintError) -> SuaraError:
    if isinstance(exc, domain.NotAllowed):
        return Forbidden(str(exc), code="action_not_allowed")
    if isinstance(exc, domain.IllegalTransition):
        return Conflict(str(exc), code="illegal_transition",
                        extra={"current_status": str(exc.current_status),
                               "action": str(exc.action)})
    return SuaraError(str(exc), status_code=422, code="invalid_input")
