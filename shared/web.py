"""What every service's FastAPI app has: lifespan, health, readiness, metrics, errors."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import structlog
from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.db import database_unreachable
from shared.errors import SuaraError
from shared.metrics import ServiceMetrics
from shared.runtime import ServiceRuntime

log = structlog.get_logger(__name__)


def build_app(runtime: ServiceRuntime, *, title: str, description: str = "",
              routers: Sequence[APIRouter] = ()) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(title=title, description=description, version="1.0.0", lifespan=lifespan)
    app.state.runtime = runtime
    app.include_router(_ops_router(runtime))
    for router in routers:
        app.include_router(router)
    _install_error_handlers(app)
    app.add_middleware(_MetricsMiddleware, metrics=runtime.metrics)
    return app


def _ops_router(runtime: ServiceRuntime) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/healthz", summary="Liveness: the process answers")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": runtime.settings.service}

    @router.get("/readyz", summary="Readiness: database reachable and broker connected",
                responses={503: {"description": "Not ready; the reasons are listed"}})
    async def readyz() -> JSONResponse:
        problems = await runtime.readiness()
        if problems:
            return JSONResponse({"status": "unavailable", "reasons": problems}, status_code=503)
        return JSONResponse({"status": "ready", "service": runtime.settings.service})

    @router.get("/metrics", summary="Prometheus metrics", response_class=Response)
    async def metrics() -> Response:
        return Response(runtime.metrics.render(), media_type=CONTENT_TYPE_LATEST)

    return router


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(SuaraError)
    async def suara_error(_: Request, exc: SuaraError) -> JSONResponse:
        return JSONResponse({"error": exc.code, "detail": exc.message, **exc.extra},
                            status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        fields = [{"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"],
                   "type": e["type"]} for e in exc.errors()]
        return JSONResponse({"error": "validation_error", "detail": "The request is invalid.",
                             "fields": fields}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse({"error": code, "detail": str(exc.detail)},
                            status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(DBAPIError)
    @app.exception_handler(DisconnectionError)
    @app.exception_handler(PoolTimeout)
    async def database_error(request: Request, exc: Exception) -> JSONResponse:
        if not database_unreachable(exc):
            return await unexpected(request, exc)
        # the database is down, cut the connection or is locked: the transaction was rolled
        # back (or, when the connection died while committing, the client's retry with the
        # same Idempotency-Key gets the stored answer), so the client may retry
        log.error("http.database_unavailable", path=request.url.path, error=type(exc).__name__)
        return JSONResponse({"error": "database_unavailable",
                             "detail": "The database is unavailable; nothing was stored. "
                                       "Retry shortly."},
                            status_code=503, headers={"Retry-After": "5"})

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("http.unhandled_error", path=request.url.path,
                  error=type(exc).__name__, exc_info=exc)
        return JSONResponse({"error": "internal_error",
                             "detail": "An unexpected error occurred; it has been logged."},
                            status_code=500)


class _MetricsMiddleware:
    """Counts and times requests by route template (not raw path: bounded label values)."""

    def __init__(self, app: ASGIApp, metrics: ServiceMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        started = time.perf_counter()

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            path = getattr(route, "path", "<unmatched>")
            labels = (self.metrics.service, scope["method"], path)
            self.metrics.http_latency.labels(*labels).observe(time.perf_counter() - started)
            self.metrics.http_requests.labels(*labels, str(status)).inc()
