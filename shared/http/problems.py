"""The one error shape, rendered in the caller's language (docs/api.md, "Errors"):

    {"error": code, "detail": message,
     "fields": [{"field": path, "code": code, "type": code, "message": message}, ...],
     "more_fields": n,            # only when more than SUARA_MAX_ERROR_FIELDS were wrong
     "field": path}               # the first field's path, kept for older clients

Field paths are the ones the client sent: ``location.lat``, ``answers.U3``, ``items.0.code``;
query parameters by name (``filed_from``), headers as they are spelled (``Idempotency-Key``);
``""`` is the body as a whole. Never ``body.``, never a pydantic union member's tag
(``answers.U3.int``, ``function-after[...]``), never one field twice.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from starlette.responses import Response
from starlette.types import Scope

from shared.errors import FieldError, SuaraError
from shared.http.messages import RESOURCE_LOCALE_KEY, Locale, Messages, negotiate

_PARAMETER_LOCATIONS = frozenset({"query", "path", "cookie"})


def clean(text: str) -> str:
    """``text`` with any lone surrogate replaced (it cannot be encoded as UTF-8)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def header_name(name: str) -> str:
    """A header as clients spell it: ``idempotency-key`` -> ``Idempotency-Key``."""
    return "-".join(part[:1].upper() + part[1:] for part in name.split("-"))


def client_path(loc: Sequence[int | str], body: Any, *, missing: bool) -> str:
    """The path the client sent for a pydantic/FastAPI error location."""
    if not loc:
        return ""
    head, rest = loc[0], loc[1:]
    if head == "body":
        return _walk(rest, body, missing=missing)
    if head == "header" and rest:
        return header_name(str(rest[0]))
    if head in _PARAMETER_LOCATIONS and rest:
        return ".".join([str(rest[0]), *(str(p) for p in rest[1:] if isinstance(p, int))])
    return _walk(loc, body, missing=missing)


def _walk(parts: Sequence[int | str], node: Any, *, missing: bool) -> str:
    """Follow ``parts`` through the data the client sent, keeping only the steps that exist
    in it (keys, indexes): the others are pydantic's union members and key markers. The
    last step of a ``missing`` error is the missing key, kept although it is not there."""
    out: list[str] = []
    last = len(parts) - 1
    for i, part in enumerate(parts):
        if isinstance(node, Mapping) and isinstance(part, str):
            if part in node:
                out.append(part)
                node = node[part]
            elif i == last and missing:
                out.append(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            out.append(str(part))
            node = node[part]
        elif i == last and missing and isinstance(part, str):
            out.append(part)
    return clean(".".join(out))


def validation_fields(errors: Iterable[Mapping[str, Any]], body: Any) -> list[FieldError]:
    """pydantic/FastAPI errors as one ``FieldError`` per wrong field (union members' errors
    on one field are merged: their messages joined with " or ")."""
    merged: dict[str, FieldError] = {}
    for error in errors:
        kind = str(error.get("type", "value_error"))
        path = client_path(tuple(error.get("loc", ())), body, missing=kind == "missing")
        message = clean(str(error.get("msg", "")))
        params = _params(error.get("ctx"))
        known = merged.get(path)
        if known is None:
            merged[path] = FieldError(path, kind, message, params)
        elif message and message not in known.message:
            merged[path] = FieldError(path, known.code, f"{known.message} or {message}",
                                      known.params)
    return list(merged.values())


def _params(ctx: Any) -> dict[str, Any]:
    if not isinstance(ctx, Mapping):
        return {}
    out: dict[str, Any] = {}
    for key, value in ctx.items():
        if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
            out[str(key)] = int(value)  # "90", as pydantic writes it, not "90.0"
        elif isinstance(value, str | int | float | bool) or value is None:
            out[str(key)] = clean(value) if isinstance(value, str) else value
        else:
            out[str(key)] = clean(str(value))
    return out


def locale_of(scope: Scope, default: Locale) -> Locale:
    """``Accept-Language`` first, then the resource's locale (a route set it), then the
    default."""
    header = None
    for name, value in scope.get("headers", ()):
        if name == b"accept-language":
            header = value.decode("latin-1")
            break
    return negotiate(header) or scope.get(RESOURCE_LOCALE_KEY) or default


class Problem:
    """An error ready to render: a code, its English message and parameters, the fields."""

    __slots__ = ("code", "extra", "fields", "headers", "message", "more", "params", "status")

    def __init__(self, status: int, code: str, message: str, *,
                 params: Mapping[str, Any] | None = None, fields: Sequence[FieldError] = (),
                 extra: Mapping[str, Any] | None = None,
                 headers: Mapping[str, str] | None = None, more: int = 0) -> None:
        """``more``: wrong fields beyond ``fields`` that were counted but not kept."""
        self.status = status
        self.more = more
        self.code = code
        self.message = message
        self.params = params or {}
        self.fields = fields
        self.extra = extra or {}
        self.headers = headers or {}

    @classmethod
    def of(cls, exc: SuaraError) -> Problem:
        return cls(exc.status_code, exc.code, exc.message, params=exc.params, fields=exc.fields,
                   extra=exc.top_level(), headers=exc.headers)

    def body(self, messages: Messages, locale: Locale, max_fields: int) -> dict[str, Any]:
        fields = [{"field": f.field, "code": f.code, "type": f.code,
                   "message": messages.text(f.code, locale, f.params, f.message)}
                  for f in self.fields[:max_fields]]
        detail = messages.text(self.code, locale, self.params, self.message)
        if self.code == "validation_error" and fields:
            first = fields[0]
            where = f"{first['field']}: " if first["field"] else ""
            detail = f"{detail} {where}{first['message']}"
            if len(self.fields) + self.more > 1:
                more = len(self.fields) + self.more - 1
                detail += (f" (dan {more} isian lain)" if locale == "id"
                           else f" (and {more} more)")
        out: dict[str, Any] = {"error": self.code, "detail": detail, "fields": fields}
        if len(self.fields) + self.more > max_fields:
            out["more_fields"] = len(self.fields) + self.more - max_fields
        if fields:
            out["field"] = fields[0]["field"]
        for key, value in self.extra.items():
            out.setdefault(key, value)
        return out

    def render(self, messages: Messages, locale: Locale, max_fields: int) -> tuple[bytes, list[
            tuple[bytes, bytes]]]:
        """The JSON bytes and the headers of the answer."""
        payload = json.dumps(self.body(messages, locale, max_fields), ensure_ascii=False,
                             separators=(",", ":"), default=str)
        # a lone surrogate that slipped through cannot be UTF-8: escaped, it is valid JSON
        data = payload.encode("utf-8", "backslashreplace")
        headers = [(b"content-type", b"application/json"),
                   (b"content-length", str(len(data)).encode()),
                   (b"content-language", locale.encode()),
                   (b"vary", b"Accept-Language")]
        headers += [(k.lower().encode("latin-1"), v.encode("latin-1"))
                    for k, v in self.headers.items()]
        return data, headers

    def response(self, messages: Messages, locale: Locale, max_fields: int) -> Response:
        data, headers = self.render(messages, locale, max_fields)
        response = Response(data, status_code=self.status)
        response.raw_headers = headers
        return response
