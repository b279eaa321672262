"""The webhook dispatcher's HTTP client (aiohttp): one small pool per destination, and an
SSRF check of every address a connection is made to.

The check happens in the pool's resolver: the host is resolved once per connection (no DNS
cache), every address it resolves to must pass ``AddressPolicy.check_address`` (so DNS
rebinding to a private address between creation and delivery is refused), and the connection
is made to those checked addresses only (TLS still verifies the host name). A literal address
in the URL is checked by ``check_url`` before any connection. No proxy from the environment,
no redirect, no cookie kept from a receiver, no decompression of its answer.

One ``aiohttp.ClientSession`` per endpoint (two endpoints on one host do not share a pool, so a
hanging one cannot take the other's connections), each with at most the endpoint concurrency
in connections. aiohttp and not httpx here: a signed POST costs this process about a seventh
of httpx's CPU (measured in ``make bench``: the bare loops of both libraries).
"""

from __future__ import annotations

import asyncio
import socket
import time
from dataclasses import dataclass

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

from services.notifications.domain.webhooks import AddressPolicy, RefusedAddress

EXCERPT_BYTES = 1024


class GuardedResolver(AbstractResolver):
    """Resolves a host for a new connection and refuses it unless every address is allowed:
    a mixed answer (one public, one private address) is a rebinding attempt."""

    def __init__(self, policy: AddressPolicy) -> None:
        self._policy = policy

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM, family=family)
        except OSError as exc:
            raise OSError(f"cannot resolve the host: {type(exc).__name__}") from exc
        found: list[ResolveResult] = []
        seen: set[str] = set()
        for fam, _, proto, _, address in infos:
            ip = str(address[0])
            self._policy.check_address(host, ip)
            if ip in seen:
                continue
            seen.add(ip)
            found.append(ResolveResult(hostname=host, host=ip, port=int(address[1]),
                                       family=fam, proto=proto,
                                       flags=socket.AI_NUMERICHOST | socket.AI_NUMERICSERV))
        if not found:
            raise OSError("the host resolves to no address")
        return found

    async def close(self) -> None:
        return None


def guarded_session(policy: AddressPolicy, *, connections: int,
                    timeout_s: float) -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(limit=connections, limit_per_host=connections,
                                     keepalive_timeout=30, use_dns_cache=False,
                                     resolver=GuardedResolver(policy))
    return aiohttp.ClientSession(
        connector=connector, cookie_jar=aiohttp.DummyCookieJar(), auto_decompress=False,
        trust_env=False, timeout=aiohttp.ClientTimeout(total=timeout_s),
        skip_auto_headers=("Accept", "Accept-Encoding", "User-Agent"))


@dataclass(frozen=True)
class Answer:
    status_code: int | None
    latency_ms: float
    excerpt: str | None
    retry_after: str | None
    error_class: str | None


class WebhookClient:
    def __init__(self, policy: AddressPolicy, *, timeout_s: float, connections: int) -> None:
        self._policy = policy
        self._timeout_s = timeout_s
        self._connections = connections
        self._sessions: dict[str, aiohttp.ClientSession] = {}
        self._checked: dict[str, str] = {}  # URL -> its origin, once check_url passed

    def _session(self, key: str) -> aiohttp.ClientSession:
        session = self._sessions.get(key)
        if session is None or session.closed:
            session = guarded_session(self._policy, connections=self._connections,
                                      timeout_s=self._timeout_s)
            self._sessions[key] = session
        return session

    def _origin(self, url: str) -> str:
        """The URL's origin, once its form (and a literal address in it) passed the policy;
        remembered per URL, since every delivery to an endpoint has the same one."""
        origin = self._checked.get(url)
        if origin is None:
            scheme, host, port = self._policy.check_url(url)
            origin = f"{scheme}://{host}:{port}"
            if len(self._checked) >= 10_000:
                self._checked.clear()
            self._checked[url] = origin
        return origin

    async def post(self, url: str, body: bytes, headers: dict[str, str], *,
                   pool: str | None = None) -> Answer:
        """POST ``body``; ``pool`` names the connection pool to use (the endpoint's id)."""
        started = time.perf_counter()
        try:
            origin = self._origin(url)
            session = self._session(pool or origin)
            async with session.post(url, data=body, headers=headers,
                                    allow_redirects=False) as response:
                head = b""
                while len(head) < EXCERPT_BYTES:  # the first 1 KB only: it may answer anything
                    chunk = await response.content.read(EXCERPT_BYTES - len(head))
                    if not chunk:
                        break
                    head += chunk
                status, retry_after = response.status, response.headers.get("retry-after")
        except RefusedAddress:
            return Answer(None, _ms(started), None, None, "refused_address")
        except TimeoutError:
            return Answer(None, _ms(started), None, None, "timeout")
        except aiohttp.ClientConnectorError as exc:
            refused = _refused(exc)
            return Answer(None, _ms(started), None, None,
                          "refused_address" if refused else "connect_error")
        except (aiohttp.ClientError, OSError) as exc:
            if _refused(exc):
                return Answer(None, _ms(started), None, None, "refused_address")
            return Answer(None, _ms(started), None, None, type(exc).__name__)
        excerpt = head.decode("utf-8", "replace")
        return Answer(status, _ms(started), excerpt, retry_after, None)

    async def forget(self, pool: str) -> None:
        """Close a pool no longer needed (an endpoint deleted or its URL changed)."""
        session = self._sessions.pop(pool, None)
        if session is not None:
            await session.close()

    async def close(self) -> None:
        sessions, self._sessions = list(self._sessions.values()), {}
        await asyncio.gather(*(s.close() for s in sessions), return_exceptions=True)


def _refused(exc: BaseException) -> bool:
    """Whether the guard refused the address, however deep aiohttp wrapped its exception."""
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return False
        if isinstance(seen, RefusedAddress):
            return True
        seen = seen.__cause__ or seen.__context__ or getattr(seen, "os_error", None)
    return False


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)
