"""The OpenAPI document tells the truth about errors: every error answer in the one shape
(``Error``), and on every operation the answers the shared layer itself may give.

FastAPI documents a 422 with its own ``HTTPValidationError`` shape, which no Suara service
answers; and routes list errors without a body (``responses={404: {}}``). Here, every 4xx/5xx
answer of every operation gets the ``Error`` schema, and each operation lists what the shared
layer can answer whatever the route does:

- 400 (malformed request or JSON) and 422 (invalid values) when it takes parameters or a body;
- 413 when it takes a body;
- 429 when it is a write (the ``public_write`` catch-all) or names a rate limit;
- 401 and 403 when it requires credentials;
- 404 when its path has parameters (the resource may not exist);
- 503 (the database is unavailable: retry) for every operation but the liveness probe.

A media type other than JSON that a route declares for an error (the invitation link's 404
page, for browsers) is kept beside the ``Error`` shape.

An operation that answers errors in a shape of its own (Open311's GeoReport errors) says so
with ``openapi_extra={"x-own-errors": True}``: its declared answers are left as they are (but
FastAPI's 422 becomes the shared shape, which the layer answers before any route), and the
shared codes it does not declare are listed without a schema.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

ERROR_REF = {"$ref": "#/components/schemas/Error"}
_SCHEMAS: dict[str, Any] = {
    "FieldError": {
        "type": "object", "required": ["field", "code", "message"],
        "properties": {
            "field": {"type": "string", "description": "The path the client sent "
                                                       "(`location.lat`, `Idempotency-Key`); "
                                                       "`\"\"` for the body as a whole"},
            "code": {"type": "string", "description": "What is wrong, stable"},
            "type": {"type": "string", "description": "Same as `code` (earlier clients)"},
            "message": {"type": "string", "description": "In the caller's language"}}},
    "Error": {
        "type": "object", "required": ["error", "detail", "fields"],
        "description": "Every error answer (docs/api.md, Errors)",
        "properties": {
            "error": {"type": "string", "description": "A stable code"},
            "detail": {"type": "string", "description": "In the caller's language"},
            "fields": {"type": "array", "items": {"$ref": "#/components/schemas/FieldError"}},
            "more_fields": {"type": "integer", "minimum": 1,
                            "description": "Wrong fields not listed"},
            "field": {"type": "string", "description": "The first field's path (earlier "
                                                       "clients)"}},
        "additionalProperties": True},
}
_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before retrying",
                                "schema": {"type": "integer"}}}
_SHARED = {
    "400": "Malformed request (a body that is not JSON, a bad header)",
    "401": "No credentials, or credentials that are not valid",
    "403": "Not allowed for this caller",
    "404": "Not found",
    "413": "The body is larger than the limit",
    "422": "Invalid values: `fields` names each one",
    "429": "Rate limited: retry after `Retry-After` seconds",
    "503": "Temporarily unavailable (nothing was stored): retry after `Retry-After` seconds",
}
_WRITES = frozenset({"post", "put", "patch", "delete"})


def document_errors(spec: dict[str, Any], *, limited: Collection[tuple[str, str]] = ()) -> None:
    """Rewrite ``spec`` in place (see the module's docstring). ``limited``: (method, path) of
    the routes that name a rate limit."""
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(_SCHEMAS)
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    for path, item in spec.get("paths", {}).items():
        for method, operation in item.items():
            if method not in _WRITES | {"get", "head", "options"}:
                continue
            responses = operation.setdefault("responses", {})
            wanted = set()
            params = operation.get("parameters", [])
            if params or "requestBody" in operation:
                wanted |= {"400", "422"}
            if "requestBody" in operation:
                wanted.add("413")
            if method in _WRITES or (method.upper(), path) in limited:
                wanted.add("429")
            if operation.get("security"):
                wanted |= {"401", "403"}
            if any(p.get("in") == "path" for p in params):
                wanted.add("404")
            if path != "/healthz":
                wanted.add("503")
            own = bool(operation.pop("x-own-errors", False))
            if own and "HTTPValidationError" in str(responses.get("422", "")):
                # FastAPI's 422 shape, which no Suara route answers: invalid values (and a NUL
                # in a parameter, refused before any route) answer the shared shape
                responses["422"] = {"description": _SHARED["422"],
                                    "content": {"application/json": {"schema": ERROR_REF}}}
            for code in wanted:
                responses.setdefault(code, {"description": _SHARED[code]})
            for code, answer in responses.items():
                if str(code)[:1] in ("4", "5") and not own:
                    if not answer.get("description"):
                        answer["description"] = _SHARED.get(str(code), "Error")
                    # the error shape; a media type the route also answers in stays
                    # (a page for browsers: the invitation link's 404)
                    others = {media: content for media, content in
                              answer.get("content", {}).items() if media != "application/json"}
                    answer["content"] = {"application/json": {"schema": ERROR_REF}, **others}
                    if str(code) in ("429", "503"):
                        answer.setdefault("headers", dict(_RETRY_AFTER))
            operation["responses"] = dict(sorted(responses.items(), key=lambda kv: str(kv[0])))


def install_openapi(app: FastAPI, limited: Callable[[], Collection[tuple[str, str]]]) -> None:
    """Make ``app.openapi()`` produce the rewritten document (built once, then cached)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = get_openapi(title=app.title, version=app.version,
                               description=app.description, routes=app.routes)
            document_errors(spec, limited=limited())
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
