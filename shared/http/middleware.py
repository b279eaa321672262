"""The one pure-ASGI layer in front of every service's routes.

In order, for each HTTP request:

1. size limits: the request line and headers (414, 431), the body (413: refused on its
   ``Content-Length`` before reading anything, else counted while it streams in and refused as
   soon as it passes the limit; nothing beyond the limit is ever buffered);
2. a JSON body (``application/json``, ``application/*+json``: what FastAPI parses) is checked
   by ``shared.http.guard`` (duplicate keys, depth, counts, surrogates, overflowing numbers);
3. rate limits: every write without a valid officer token counts against ``public_write``
   (``shared.http.ratelimit``), before its body is read; a 429 with ``Retry-After`` past it;
   routes add their own limits with ``rate_limit(name)``;
4. the route runs with the buffered body replayed to it;
5. browsers: CORS preflights answered here, CORS and security headers and ``Cache-Control:
   no-store`` added to every answer that did not set its own (``shared.http.browser``);
6. an exception that escapes every handler becomes a 500 in the error shape and is logged,
   and the connection stays usable (the server would otherwise close it);
7. metrics: requests and latency by route template.

Refusals are rendered in the error shape and the caller's language. One wrapper of ``send``
and one of ``receive`` per request are all it allocates besides the body itself.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.auth import decode_token
from shared.errors import FieldError, SuaraError
from shared.http.browser import BrowserPolicy
from shared.http.guard import JsonGuard, JsonLimits
from shared.http.messages import Messages
from shared.http.problems import Problem, clean, locale_of
from shared.http.ratelimit import RateLimiter, refusal
from shared.metrics import ServiceMetrics
from shared.settings import ServiceSettings

log = structlog.get_logger(__name__)

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def is_json(content_type: bytes) -> bool:
    """What FastAPI parses as JSON: ``application/json`` and ``application/*+json``."""
    media = content_type.split(b";", 1)[0].strip().lower()
    return media == b"application/json" or (media.startswith(b"application/")
                                            and media.endswith(b"+json"))


class SuaraHttpMiddleware:
    def __init__(self, app: ASGIApp, *, settings: ServiceSettings, metrics: ServiceMetrics,
                 messages: Messages, limiter: RateLimiter) -> None:
        self.app = app
        self.limiter = limiter
        self.browser = BrowserPolicy(settings)
        self._labelled: dict[tuple[str, str], tuple[Any, dict[int, Any]]] = {}
        self.settings = settings
        self.metrics = metrics
        self.messages = messages
        self.max_body = settings.max_body_bytes
        self.max_headers = settings.max_header_bytes
        self.max_url = settings.max_url_bytes
        self.json = JsonGuard(JsonLimits(settings.max_json_depth, settings.max_json_keys,
                                         settings.max_json_items), settings.max_error_fields)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        response_started = False
        origin: bytes | None = None
        for name, value in scope["headers"]:
            if name == b"origin":
                origin = value
                break
        browser = self.browser

        async def send_wrapper(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                message["headers"] = browser.complete(list(message.get("headers", ())),
                                                      origin)
            await send(message)

        try:
            if origin is not None and scope["method"] == "OPTIONS" and any(
                    name == b"access-control-request-method" for name, _ in scope["headers"]):
                await self._preflight(scope, send_wrapper, origin)
                return
            problem, receive = await self._admit(scope, receive)
            if problem is not None:
                await self._refuse(scope, send_wrapper, problem)
                return
            await self.app(scope, receive, send_wrapper)
        except Exception as exc:  # a bug: logged and answered; never a dropped connection
            log.error("http.unhandled_error", path=scope.get("path"),
                      error=type(exc).__name__, exc_info=exc)
            if not response_started:
                await self._refuse(scope, send_wrapper, Problem(
                    500, "internal_error", "An unexpected error occurred; it has been logged."))
        finally:
            route = scope.get("route")
            path = getattr(route, "path", "<unmatched>")
            latency, counters = self._series(scope["method"], path)
            latency.observe(time.perf_counter() - started)
            counter = counters.get(status)
            if counter is None:
                counter = counters[status] = self.metrics.http_requests.labels(
                    self.metrics.service, scope["method"], path, str(status))
            counter.inc()

    def _series(self, method: str, path: str) -> tuple[Any, dict[int, Any]]:
        """The labelled metrics of one route, looked up once (``labels()`` costs a lock and
        a tuple per call). Bounded: routes are templates, methods and statuses few."""
        key = (method, path)
        series = self._labelled.get(key)
        if series is None:
            latency = self.metrics.http_latency.labels(self.metrics.service, method, path)
            series = self._labelled[key] = (latency, {})
        return series

    async def _admit(self, scope: Scope, receive: Receive) -> tuple[Problem | None, Receive]:
        """The problem that refuses this request before the route (None: admitted), and the
        ``receive`` the route reads its body from."""
        header_bytes = 0
        content_length = b""
        content_type = b""
        authorization = b""
        for name, value in scope["headers"]:
            header_bytes += len(name) + len(value) + 4
            if name == b"content-length":
                content_length = value
            elif name == b"content-type":
                content_type = value
            elif name == b"authorization":
                authorization = value
        if header_bytes > self.max_headers:
            return _limit(431, "headers_too_large", "The request headers are too large",
                          self.max_headers), receive
        raw_path = scope.get("raw_path") or b""
        query = scope["query_string"]
        if len(raw_path) + len(query) > self.max_url:
            return _limit(414, "uri_too_long", "The request URI is too long",
                          self.max_url), receive
        if b"%00" in query or b"%00" in raw_path or "\x00" in scope["path"]:
            return _nul_problem(raw_path, query), receive
        write = scope["method"] in _BODY_METHODS
        if write and self.limiter.enabled and not self._officer(authorization):
            decision = await self.limiter.check("public_write", self.limiter.client(scope))
            if not decision.allowed:
                return Problem.of(refusal("public_write", decision)), receive
        if content_length:
            try:
                declared = int(content_length)
            except ValueError:
                return Problem(400, "bad_request", "Content-Length is not a number."), receive
            if declared > self.max_body:
                return self._too_large(), receive
            if declared == 0:
                return None, receive
        if not write:
            return None, receive
        body = await self._read(receive)
        if body is None:
            return self._too_large(), receive
        if body and is_json(content_type):
            problem = self.json.inspect(body)
            if problem is not None:
                return problem, receive
        return None, _replay(body, receive)

    def _officer(self, authorization: bytes) -> bool:
        """A valid bearer token (an officer or a system): not counted as a public write."""
        scheme, _, token = authorization.partition(b" ")
        if scheme.lower() != b"bearer" or not token:
            return False
        try:
            decode_token(token.decode("latin-1").strip(), self.settings)
        except SuaraError:
            return False
        return True

    async def _read(self, receive: Receive) -> bytes | None:
        """The whole body, or ``None`` as soon as it passes the limit."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client left: nothing to read
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                return None
            if chunk:
                chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    async def _preflight(self, scope: Scope, send: Send, origin: bytes) -> None:
        if not self.browser.allows(origin):
            await self._refuse(scope, send, Problem(403, "cors_origin_not_allowed",
                                                    "This origin is not allowed."))
            return
        await send({"type": "http.response.start", "status": 204,
                    "headers": self.browser.preflight_headers(origin, scope)})
        await send({"type": "http.response.body", "body": b""})

    def _too_large(self) -> Problem:
        return _limit(413, "payload_too_large", "The request body is too large", self.max_body)

    async def _refuse(self, scope: Scope, send: Send, problem: Problem) -> None:
        locale = locale_of(scope, self.settings.default_locale)
        data, headers = problem.render(self.messages, locale, self.settings.max_error_fields)
        await send({"type": "http.response.start", "status": problem.status,
                    "headers": headers})
        await send({"type": "http.response.body", "body": data})


def _nul_problem(raw_path: bytes, query: bytes) -> Problem:
    """A NUL (``%00``) in the path or a query parameter: no text column can hold it (PostgreSQL
    refuses it), so it would fail later as a 500."""
    names = sorted({name for name, value in parse_qsl(query.decode("latin-1"),
                                                       keep_blank_values=True)
                    if "\x00" in name or "\x00" in value})
    fields = [FieldError(clean(n.replace("\x00", "")) or "?", "invalid_parameter",
                         "holds a NUL character") for n in names]
    if b"%00" in raw_path or not fields:
        fields.insert(0, FieldError("path", "invalid_parameter", "holds a NUL character"))
    return Problem(422, "validation_error", "The request is invalid.", fields=fields)


def _limit(status: int, code: str, what: str, limit: int) -> Problem:
    return Problem(status, code, f"{what}: at most {limit} bytes.", params={"max": limit})


def _replay(body: bytes, receive: Receive) -> Callable[[], Awaitable[dict[str, Any]]]:
    """A ``receive`` that hands the route the body already read, then the real one's
    messages (the disconnect)."""
    pending = True

    async def replay() -> dict[str, Any]:
        nonlocal pending
        if pending:
            pending = False
            return {"type": "http.request", "body": body, "more_body": False}
        return dict(await receive())

    return replay
