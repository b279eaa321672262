"""The webhook dispatcher's HTTP client: one small pool per destination, and an SSRF check of
the address every connection actually reaches.

The check happens in the network backend under httpx: the host is resolved once, every
address it resolves to must pass ``AddressPolicy.check_address`` (so DNS rebinding to a private
address between creation and delivery is refused), the connection is made to the checked
address (TLS still verifies the host name), and the peer address of the open socket is checked
again. One ``httpx.AsyncClient`` per endpoint (two endpoints on one host do not share a pool, so a
hanging one cannot take the other's connections), each with at most the endpoint concurrency
in connections: httpx slows past ~8 concurrent requests on one client.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx
from httpcore._utils import is_socket_readable

from services.notifications.domain.webhooks import AddressPolicy, RefusedAddress

EXCERPT_BYTES = 1024


class _Stream(httpcore.AsyncNetworkStream):
    """The backend's stream, its raw socket looked up once: httpcore asks whether every idle
    connection is readable at each request it places, and anyio rebuilds a stream's whole
    attribute table (a getpeername() among them) for each such question — a third of the
    dispatcher's CPU per delivery in a profile."""

    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self._inner = inner
        self._socket = inner.get_extra_info("socket")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                        timeout: float | None = None) -> httpcore.AsyncNetworkStream:
        return await self._inner.start_tls(ssl_context, server_hostname, timeout)

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            return self._socket is not None and is_socket_readable(self._socket)
        if info == "socket":
            return self._socket
        return self._inner.get_extra_info(info)


class GuardedBackend(httpcore.AsyncNetworkBackend):
    def __init__(self, policy: AddressPolicy) -> None:
        self._policy = policy
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None
                          ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            infos = await asyncio.wait_for(
                loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), timeout)
        except (OSError, TimeoutError) as exc:
            raise httpcore.ConnectError(f"cannot resolve the host: {type(exc).__name__}") from exc
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        for address in addresses:  # every answer: a mixed answer is a rebinding attempt
            self._policy.check_address(host, address)
        stream = await self._inner.connect_tcp(addresses[0], port, timeout=timeout,
                                               local_address=local_address,
                                               socket_options=socket_options)
        peer = stream.get_extra_info("server_addr")
        if peer:
            try:
                self._policy.check_address(host, str(peer[0]))
            except RefusedAddress:
                await stream.aclose()
                raise
        return _Stream(stream)

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[Any] | None = None
                                  ) -> httpcore.AsyncNetworkStream:
        raise RefusedAddress("unix sockets are not webhook targets")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def guarded_transport(policy: AddressPolicy, *, connections: int) -> httpx.AsyncHTTPTransport:
    transport = httpx.AsyncHTTPTransport(
        limits=httpx.Limits(max_connections=connections,
                            max_keepalive_connections=connections, keepalive_expiry=30))
    pool = transport._pool
    # same pool, our backend: httpx does not take a network backend as an argument
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=pool._ssl_context, max_connections=connections,
        max_keepalive_connections=connections, keepalive_expiry=30,
        network_backend=GuardedBackend(policy))
    return transport


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
        self._timeout = httpx.Timeout(timeout_s)
        self._connections = connections
        self._timeouts = self._timeout.as_dict()
        self._clients: dict[str, httpx.AsyncHTTPTransport] = {}

    def _client(self, key: str) -> httpx.AsyncHTTPTransport:
        """The pool's transport, used without an ``httpx.AsyncClient`` around it: a webhook
        follows no redirect, sends no auth and must not keep a receiver's cookies for the next
        delivery, and the client's machinery for those cost a fifth of a delivery's CPU."""
        client = self._clients.get(key)
        if client is None:
            client = guarded_transport(self._policy, connections=self._connections)
            self._clients[key] = client
        return client

    async def post(self, url: str, body: bytes, headers: dict[str, str], *,
                   pool: str | None = None) -> Answer:
        """POST ``body``; ``pool`` names the connection pool to use (the endpoint's id)."""
        started = time.perf_counter()
        try:
            self._policy.check_url(url)
            parsed = httpx.URL(url)
            client = self._client(pool or f"{parsed.scheme}://{parsed.netloc.decode()}")
            request = httpx.Request("POST", parsed, content=body, headers=headers,
                                    extensions={"timeout": self._timeouts})
            response = await client.handle_async_request(request)
            try:  # the first 1 KB of the answer only: a receiver may answer anything
                head = b""
                async for chunk in response.aiter_raw():
                    head += chunk
                    if len(head) >= EXCERPT_BYTES:
                        break
            finally:
                await response.aclose()
        except RefusedAddress:
            return Answer(None, _ms(started), None, None, "refused_address")
        except httpx.TimeoutException:
            return Answer(None, _ms(started), None, None, "timeout")
        except httpx.ConnectError as exc:
            refused = isinstance(exc.__cause__, RefusedAddress) or "refused_address" in str(exc)
            return Answer(None, _ms(started), None, None,
                          "refused_address" if refused else "connect_error")
        except httpx.HTTPError as exc:
            return Answer(None, _ms(started), None, None, type(exc).__name__)
        excerpt = head[:EXCERPT_BYTES].decode("utf-8", "replace")
        return Answer(response.status_code, _ms(started), excerpt,
                      response.headers.get("retry-after"), None)

    async def forget(self, pool: str) -> None:
        """Close a pool no longer needed (an endpoint deleted or its URL changed)."""
        client = self._clients.pop(pool, None)
        if client is not None:
            await client.aclose()

    async def close(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        await asyncio.gather(*(c.aclose() for c in clients), return_exceptions=True)


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)
