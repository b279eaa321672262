"""Rate limits per client address, shared by a service's replicas through Redis.

Named limits (``SUARA_RATE_LIMITS``, e.g. ``{"filing": "10/minute;100/hour"}``) merge over
the defaults in ``shared.settings.DEFAULT_RATE_LIMITS``. Two ways a request is counted:

- ``public_write``, the catch-all (``shared.http.middleware``): every write (POST, PUT,
  PATCH, DELETE) that carries no valid officer token, in every service, whatever the route;
- a route's own, tighter limit: ``dependencies=[rate_limit("filing")]`` (filings, tracking-token
  checks, survey answers). ``build_app`` refuses to start when a route names a limit the
  settings do not define.

Counting: a sliding window counter per (limit, window, client): the current fixed window's
count plus the previous window's, weighted by how much of it still overlaps the last
``window`` seconds. Refused requests count too, so a client that keeps hammering stays limited
until it slows down. The answer is a 429 ``rate_limited`` with ``Retry-After`` (seconds).

The client: the connection's peer address, or, when the peer is a trusted proxy
(``SUARA_TRUSTED_PROXIES``, CIDRs), the right-most address of ``X-Forwarded-For`` that is not a
trusted proxy (the left part of that header is whatever the client wrote). IPv6 clients are
counted per /64, the block one subscriber gets.

Backends: with ``SUARA_REDIS_URL`` the counts live in Redis (one round trip of INCR, PEXPIRE
and GET per limit and request), shared by every replica; without it, in the process (the
embedded default). When Redis is configured but does not answer (250 ms), the request is
counted in the process instead, for ``redis_retry_s``, then Redis is tried again: each
replica keeps limiting on its own during a Redis outage (neither open to abuse nor closed to
citizens), ``suara_rate_limit_backend_errors_total`` counts the fallbacks, and a warning is
logged once per outage.
"""

from __future__ import annotations

import ipaddress
import math
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import structlog
from fastapi import Depends, Request
from fastapi import params as fastapi_params
from prometheus_client import Counter
from starlette.types import Scope

from shared.errors import TooManyRequests
from shared.metrics import ServiceMetrics
from shared.settings import ServiceSettings

log = structlog.get_logger(__name__)

_UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*(second|minute|hour|day)s?\s*$", re.I)
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True)
class Rate:
    count: int
    seconds: int

    def __str__(self) -> str:
        return f"{self.count}/{self.seconds}s"


def parse_rates(text: str) -> tuple[Rate, ...]:
    """``"10/minute;100/hour"`` -> two rates; ``ValueError`` on anything else."""
    rates = []
    for part in text.split(";"):
        match = _RATE.match(part)
        if not match or int(match.group(1)) < 1:
            raise ValueError(f"{part.strip()!r} is not a rate like '10/minute' or '100/5minutes'")
        rates.append(Rate(int(match.group(1)),
                          int(match.group(2) or 1) * _UNITS[match.group(3).lower()]))
    return tuple(rates)


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    retry_after: int = 0


ALLOWED = Decision(True)


def _estimate(previous: int, current: int, elapsed: float, rate: Rate) -> Decision:
    """Allowed while the sliding estimate stays within the rate; when refused, the seconds
    until one more request would be allowed (if none comes meanwhile)."""
    window, limit = rate.seconds, rate.count
    if current <= limit and previous * (1 - elapsed / window) + current <= limit:
        return ALLOWED
    room = limit - current - 1
    if room >= 0 and previous > 0:  # later in this window, as the previous one fades
        at = window * (1 - room / previous)
        if at <= window:
            return Decision(False, max(1, math.ceil(at - elapsed)))
    # in the next window, as this one fades
    fade = window * (1 - (limit - 1) / current) if current > 0 else 0.0
    return Decision(False, max(1, math.ceil(window - elapsed + max(0.0, fade))))


class Backend(Protocol):
    async def hit(self, key: str, rate: Rate, now: float) -> Decision: ...

    async def close(self) -> None: ...


class MemoryBackend:
    """Counts in this process (one service replica)."""

    def __init__(self, max_keys: int = 200_000) -> None:
        self._counts: dict[tuple[str, int, int], int] = {}
        self._max_keys = max_keys

    async def hit(self, key: str, rate: Rate, now: float) -> Decision:
        return self.count(key, rate, now)

    def count(self, key: str, rate: Rate, now: float) -> Decision:
        """``hit`` without a coroutine: the in-process limiter is on every public write."""
        index, elapsed = divmod(now, rate.seconds)
        slot = int(index)
        counts = self._counts
        current = counts.get((key, rate.seconds, slot), 0) + 1
        counts[(key, rate.seconds, slot)] = current
        previous = counts.get((key, rate.seconds, slot - 1), 0)
        if len(counts) > self._max_keys:
            self._prune(now)
        return _estimate(previous, current, elapsed, rate)

    def _prune(self, now: float) -> None:
        self._counts = {k: v for k, v in self._counts.items()
                        if k[2] >= int(now // k[1]) - 1}

    async def close(self) -> None:
        self._counts.clear()


class RedisBackend:
    """Counts in Redis: every replica of the service sees the same counts."""

    def __init__(self, url: str, *, prefix: str, fallback: MemoryBackend,
                 on_error: Callable[[BaseException], None], on_recovery: Callable[[], None],
                 timeout_s: float = 0.25, retry_s: float = 5.0) -> None:
        self._url = url
        self._prefix = prefix
        self._fallback = fallback
        self._on_error = on_error
        self._on_recovery = on_recovery
        self._failing = False
        self._timeout = timeout_s
        self._retry_s = retry_s
        self._client: Any = None
        self._down_until = 0.0

    def _redis(self) -> Any:
        if self._client is None:
            import redis.asyncio as aioredis

            self._client = aioredis.Redis.from_url(
                self._url, socket_timeout=self._timeout, socket_connect_timeout=self._timeout,
                retry_on_timeout=False)
        return self._client

    async def hit(self, key: str, rate: Rate, now: float) -> Decision:
        if now < self._down_until:
            return await self._fallback.hit(key, rate, now)
        index, elapsed = divmod(now, rate.seconds)
        slot = int(index)
        base = f"{self._prefix}{key}:{rate.seconds}:"
        try:
            pipe = self._redis().pipeline(transaction=False)
            pipe.incr(base + str(slot))
            pipe.pexpire(base + str(slot), rate.seconds * 2000)
            pipe.get(base + str(slot - 1))
            current, _, previous = await pipe.execute()
        except Exception as exc:  # noqa: BLE001 - any failure of Redis: count locally
            self._down_until = now + self._retry_s
            self._failing = True
            self._on_error(exc)
            return await self._fallback.hit(key, rate, now)
        if self._failing:
            self._failing = False
            self._on_recovery()
        return _estimate(int(previous or 0), int(current), elapsed, rate)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


class RateLimiter:
    """The named limits of one service, on its backend, with its metrics."""

    def __init__(self, settings: ServiceSettings, metrics: ServiceMetrics,
                 backend: Backend | None = None) -> None:
        self.enabled = bool(settings.rate_limit_enabled)
        self.rates = {name: parse_rates(text) for name, text in settings.rate_limits.items()}
        self.trusted = tuple(ipaddress.ip_network(cidr, strict=False)
                             for cidr in settings.trusted_proxies)
        self._service = settings.service
        self.limited = Counter("suara_http_rate_limited_total",
                               "Requests refused with 429, by named limit",
                               ["service", "limit"], registry=metrics.registry)
        self.backend_errors = Counter(
            "suara_rate_limit_backend_errors_total",
            "Rate-limit checks Redis did not answer (counted in the process instead)",
            ["service"], registry=metrics.registry)
        self._outage_logged = False
        if backend is not None:
            self.backend: Backend = backend
        elif settings.redis_url:
            prefix = f"{settings.rate_limit_key_prefix}{settings.service}:"
            self.backend = RedisBackend(settings.redis_url, prefix=prefix,
                                        fallback=MemoryBackend(), on_error=self._redis_failed,
                                        on_recovery=self._redis_recovered,
                                        retry_s=settings.redis_retry_s)
        else:
            self.backend = MemoryBackend()

    def _redis_failed(self, exc: BaseException) -> None:
        self.backend_errors.labels(self._service).inc()
        if not self._outage_logged:
            self._outage_logged = True
            log.warning("ratelimit.redis_unavailable", error=type(exc).__name__,
                        fallback="in-process counts")

    def _redis_recovered(self) -> None:
        self._outage_logged = False
        log.info("ratelimit.redis_recovered")

    async def check(self, name: str, client: str) -> Decision:
        """Count one request of ``client`` against limit ``name``."""
        if not self.enabled:
            return ALLOWED
        now = time.time()
        worst = ALLOWED
        key = name + ":" + client
        memory = self.backend if isinstance(self.backend, MemoryBackend) else None
        for rate in self.rates[name]:
            decision = (memory.count(key, rate, now) if memory is not None
                        else await self.backend.hit(key, rate, now))
            if decision is not ALLOWED and decision.retry_after >= worst.retry_after:
                worst = decision
        if not worst.allowed:
            self.limited.labels(self._service, name).inc()
        return worst

    def client(self, scope: Scope) -> str:
        return client_address(scope, self.trusted)

    async def close(self) -> None:
        await self.backend.close()


def client_address(scope: Scope, trusted: Sequence[IPNetwork]) -> str:
    """Who is asking (see the module's docstring), as the key rate limits count under."""
    peer = (scope.get("client") or ("unknown", 0))[0]
    if trusted and _is_trusted(peer, trusted):
        hops = _forwarded_for(scope["headers"])
        for hop in reversed(hops):
            if not _is_trusted(hop, trusted):
                return _bucket(hop)
        if hops:
            return _bucket(hops[0])
    return _bucket(peer)


def _forwarded_for(headers: Iterable[tuple[bytes, bytes]]) -> list[str]:
    hops: list[str] = []
    for name, value in headers:
        if name == b"x-forwarded-for":
            hops += [h.strip() for h in value.decode("latin-1").split(",") if h.strip()]
    return hops


def _is_trusted(address: str, trusted: Sequence[IPNetwork]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)


def _bucket(address: str) -> str:
    if ":" not in address:
        return address
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def refusal(name: str, decision: Decision) -> TooManyRequests:
    seconds = decision.retry_after
    return TooManyRequests(f"Too many requests; retry in {seconds} seconds.",
                           params={"retry_after": seconds, "limit": name},
                           headers={"Retry-After": str(seconds)})


def rate_limit(name: str) -> fastapi_params.Depends:
    """A route's own limit: ``@router.post(..., dependencies=[rate_limit("filing")])``."""

    async def dependency(request: Request) -> None:
        limiter: RateLimiter = request.app.state.rate_limiter
        decision = await limiter.check(name, limiter.client(request.scope))
        if not decision.allowed:
            raise refusal(name, decision)

    dependency.__name__ = f"rate_limit_{name}"
    dependency.rate_limit_name = name  # type: ignore[attr-defined]
    marker: fastapi_params.Depends = Depends(dependency)
    return marker


def route_limits(dependant: Any) -> set[str]:
    """The limits a route (its dependency tree) names."""
    found: set[str] = set()
    stack = [dependant]
    while stack:
        node = stack.pop()
        name = getattr(node.call, "rate_limit_name", None)
        if name is not None:
            found.add(name)
        stack.extend(node.dependencies)
    return found
