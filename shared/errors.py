"""One error hierarchy for every service, rendered by one handler as ``{error, detail}``."""

from __future__ import annotations

from typing import Any


class SuaraError(Exception):
    status_code: int = 400
    code: str = "bad_request"

    def __init__(self, message: str, *, status_code: int | None = None, code: str | None = None,
                 extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status_code is not None:
            self.status_code = status_code
        if code is not None:
            self.code = code
        self.extra = extra or {}


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
