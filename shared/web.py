"""What every service's FastAPI app has: lifespan, health, readiness, metrics, errors."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager

import structlog
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy.exc import DBAPIError, DisconnectionError, StatementError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.db import database_unreachable
from shared.errors import SuaraError
from shared.http.browser import install_docs
from shared.http.messages import Messages, Text
from shared.http.middleware import SuaraHttpMiddleware
from shared.http.openapi import install_openapi
from shared.http.problems import Problem, locale_of, validation_fields
from shared.http.query import refuse_unknown_query
from shared.http.ratelimit import RateLimiter, route_limits
from shared.runtime import ServiceRuntime
from shared.types import DatetimeOutOfRange

log = structlog.get_logger(__name__)


def build_app(runtime: ServiceRuntime, *, title: str, description: str = "",
              routers: Sequence[APIRouter] = (),
              messages: Mapping[str, Text] | None = None) -> FastAPI:
    """The service's app. ``messages``: the service's own error codes in Indonesian and
    English (shared.http.messages; docs/api.md, "For service authors")."""
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()
            await limiter.close()

    app = FastAPI(title=title, description=description, version="1.0.0", lifespan=lifespan,
                  docs_url=None, redoc_url=None, dependencies=[Depends(refuse_unknown_query)])
    install_docs(app, title)
    app.state.runtime = runtime
    app.state.messages = Messages(messages or {})
    limiter = RateLimiter(runtime.settings, runtime.metrics)
    app.state.rate_limiter = limiter
    app.include_router(_ops_router(runtime))
    for router in routers:
        app.include_router(router)
    _check_rate_limits(app, limiter)
    install_openapi(app, lambda: {(method, route.path) for route in api_routes(app)
                                  if route_limits(route.dependant)
                                  for method in route.methods or ()})
    _install_error_handlers(app)
    app.add_middleware(SuaraHttpMiddleware, settings=runtime.settings, metrics=runtime.metrics,
                       messages=app.state.messages, limiter=limiter)
    return app


def api_routes(app: FastAPI) -> Iterator[APIRoute]:
    """Every API route of the app, through included routers (FastAPI >= 0.16x keeps an
    included router as one node of ``app.routes``)."""
    routes: Iterable[object]
    try:
        from fastapi.routing import _iter_included_route_candidates
    except ImportError:  # an older FastAPI copies included routes into app.routes
        routes = app.routes
    else:
        routes = _iter_included_route_candidates(app.routes)
    for route in routes:
        if isinstance(route, APIRoute):
            yield route


def _check_rate_limits(app: FastAPI, limiter: RateLimiter) -> None:
    """A route that names a limit the settings do not define is a mistake: refuse to start."""
    for route in api_routes(app):
        for name in route_limits(route.dependant) - set(limiter.rates):
            raise ValueError(f"{route.path} uses rate limit {name!r}, which SUARA_RATE_LIMITS "
                             f"does not define (known: {', '.join(sorted(limiter.rates))})")


def _ops_router(runtime: ServiceRuntime) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/healthz", summary="Liveness: the process answers")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": runtime.settings.service}

    @router.get("/readyz", summary="Readiness: can this replica serve requests (its database)",
                responses={503: {"description": "Not ready: the database does not answer"}})
    async def readyz() -> JSONResponse:
        """200 while the database answers, whatever the broker does: the outbox keeps
        accepting writes during a broker outage and publishes them once it is back. The body
        reports the broker, the consumer groups and the outbox backlog beside it
        (``status``: ``ready``, ``degraded`` or ``unavailable``; docs/operations.md)."""
        report = await runtime.readiness_report()
        status = ("unavailable" if not report.ready
                  else "degraded" if report.problems else "ready")
        oldest = report.outbox_oldest_unsent_s
        body = {"status": status, "service": runtime.settings.service,
                "database": "unreachable" if "database" in report.problems else "ok",
                "broker": "unreachable" if "broker" in report.problems else "ok",
                "consumers": {name: "connected" if ok else "not connected"
                              for name, ok in report.consumers.items()},
                "outbox_unsent": report.outbox_unsent,
                "outbox_oldest_unsent_s": None if oldest is None else round(oldest, 1),
                "reasons": report.problems}
        return JSONResponse(body, status_code=200 if report.ready else 503,
                            headers={"Cache-Control": "no-store"})

    @router.get("/metrics", summary="Prometheus metrics", response_class=Response)
    async def metrics() -> Response:
        return Response(runtime.metrics.render(), media_type=CONTENT_TYPE_LATEST)

    return router


_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
               415: "unsupported_media_type", 422: "validation_error", 429: "rate_limited",
               503: "unavailable"}


def _answer(request: Request, problem: Problem) -> Response:
    app = request.app
    settings = app.state.runtime.settings
    locale = locale_of(request.scope, settings.default_locale)
    return problem.response(app.state.messages, locale, settings.max_error_fields)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(SuaraError)
    async def suara_error(request: Request, exc: SuaraError) -> Response:
        return _answer(request, Problem.of(exc))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        fields = validation_fields(exc.errors(), exc.body)
        return _answer(request, Problem(422, "validation_error", "The request is invalid.",
                                        fields=fields))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        return _answer(request, Problem(exc.status_code, code, str(exc.detail),
                                        headers=exc.headers))

    @app.exception_handler(StatementError)
    async def statement_error(request: Request, exc: StatementError) -> Response:
        if isinstance(exc.orig, DatetimeOutOfRange):
            # a plain datetime reached a UtcDateTime column (schemas should use UtcTimestamp,
            # which names the field): still the client's input, not a server error
            return _answer(request, Problem(422, "datetime_out_of_range", str(exc.orig)))
        return await unexpected(request, exc)

    @app.exception_handler(DBAPIError)
    @app.exception_handler(DisconnectionError)
    @app.exception_handler(PoolTimeout)
    async def database_error(request: Request, exc: Exception) -> Response:
        if not database_unreachable(exc):
            return await unexpected(request, exc)
        # the database is down, cut the connection or is locked: the transaction was rolled
        # back (or, when the connection died while committing, the client's retry with the
        # same Idempotency-Key gets the stored answer), so the client may retry
        log.error("http.database_unavailable", path=request.url.path, error=type(exc).__name__)
        return _answer(request, Problem(503, "database_unavailable",
                                        "The database is unavailable; nothing was stored. "
                                        "Retry shortly.", headers={"Retry-After": "5"}))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.error("http.unhandled_error", path=request.url.path,
                  error=type(exc).__name__, exc_info=exc)
        return _answer(request, Problem(500, "internal_error",
                                        "An unexpected error occurred; it has been logged."))
