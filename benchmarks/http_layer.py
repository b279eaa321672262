"""The shared HTTP layer's own cost per request, in CPU time, without network or database.

One FastAPI route that validates a 1 KB complaint-like body (what intake does before its
database work) is called straight through ASGI, N times per round, in three stacks:

- bare: the FastAPI app alone;
- before: with the metrics-only middleware the layer replaced (its code, copied here);
- now: with shared.http.middleware.SuaraHttpMiddleware (size limits, the JSON guard,
  the public_write rate limit in memory, browser headers, metrics).

CPU time (``time.process_time``) rather than wall time: this machine is shared, and other
processes' load changes wall time far more than this process's work. Rounds alternate the
stacks; figures are medians.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from typing import Any, ClassVar

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.http.messages import Messages
from shared.http.middleware import SuaraHttpMiddleware
from shared.http.ratelimit import RateLimiter
from shared.metrics import ServiceMetrics
from shared.settings import ServiceSettings

DESCRIPTION = ("Jalan di depan pasar berlubang besar sejak musim hujan. " * 14)[:800]
BODY = json.dumps({"title": "Jalan berlubang #1", "description": DESCRIPTION,
                   "category_code": "BENCH", "location": {"lat": -6.9, "long": 107.6},
                   "reporter": {"name": "Warga", "email": "warga1@example.id"}}).encode()


class _Settings(ServiceSettings):
    service: ClassVar[str] = "bench"


class Location(BaseModel):
    lat: float = Field(ge=-90, le=90)
    long: float = Field(ge=-180, le=180)


class Reporter(BaseModel):
    name: str | None = None
    email: str | None = None


class Filing(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(max_length=4000)
    category_code: str
    location: Location | None = None
    reporter: Reporter | None = None


def _app() -> FastAPI:
    app = FastAPI()

    @app.post("/v1/complaints", status_code=201)
    async def file(body: Filing) -> dict[str, Any]:
        return {"id": "x", "title": body.title}

    return app


class _MetricsOnly:
    """The layer before: metrics only (shared/web.py's _MetricsMiddleware, copied)."""

    def __init__(self, app: ASGIApp, metrics: ServiceMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
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


async def _drive(app: ASGIApp, n: int) -> float:
    headers = [(b"host", b"bench"), (b"content-type", b"application/json"),
               (b"content-length", str(len(BODY)).encode()), (b"user-agent", b"bench"),
               (b"accept", b"*/*")]
    statuses = []

    async def receive() -> Message:
        return {"type": "http.request", "body": BODY, "more_body": False}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    started = time.process_time()
    for i in range(n):
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
                 "method": "POST", "scheme": "http", "path": "/v1/complaints",
                 "raw_path": b"/v1/complaints", "query_string": b"", "root_path": "",
                 "headers": headers, "client": (f"10.0.{i % 250}.{i % 200}", 1234),
                 "server": ("bench", 80), "state": {}}
        await app(scope, receive, send)
    elapsed = time.process_time() - started
    assert set(statuses) == {201}, set(statuses)
    return elapsed / n * 1e6


async def run(n: int = 1500, rounds: int = 9) -> list[tuple[str, str]]:
    settings = _Settings(environment="development",
                         rate_limits={"public_write": "1000000000/second"})
    metrics = ServiceMetrics("bench")
    stacks = {
        "bare": _app(),
        "before": _MetricsOnly(_app(), metrics),
        "now": SuaraHttpMiddleware(_app(), settings=settings, metrics=metrics,
                                   messages=Messages(), limiter=RateLimiter(settings, metrics)),
    }
    for app in stacks.values():  # warm-up
        await _drive(app, 300)
    per: dict[str, list[float]] = {name: [] for name in stacks}
    for _ in range(rounds):
        for name, app in stacks.items():
            per[name].append(await _drive(app, n))
    bare = statistics.median(per["bare"])
    rows = [("validated POST, bare FastAPI", f"{bare:6.1f} µs CPU/request")]
    for name, label in (("before", "+ the metrics middleware (before)"),
                        ("now", "+ the shared HTTP layer (now)")):
        cost = statistics.median(per[name])
        # each round's cost over the same round's bare: the machine's drift cancels out
        deltas = sorted(c - b for c, b in zip(per[name], per["bare"], strict=True))
        rows.append((label, f"{cost:6.1f} µs CPU/request   +{statistics.median(deltas):5.1f} µs "
                            f"(rounds {deltas[0]:+.0f} to {deltas[-1]:+.0f}; "
                            f"{cost / bare:.0%} of bare)"))
    return rows


if __name__ == "__main__":
    for label, value in asyncio.run(run()):
        print(f"{label:<40} {value}")
