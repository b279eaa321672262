"""A local webhook receiver for the tests and the benchmark: a real HTTP server (uvicorn) on
127.0.0.1 that records what arrives and answers as scripted, per path."""

from __future__ import annotations

import asyncio
from collections import defaultdict, deque
from dataclasses import dataclass, field

import uvicorn

from shared.broker import free_port


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    port: int = field(default_factory=free_port)
    received: list[Received] = field(default_factory=list)
    #: per path: statuses to answer, in turn (then 200); "hang" never answers
    script: dict[str, deque[int | str]] = field(default_factory=lambda: defaultdict(deque))
    default: dict[str, int | str] = field(default_factory=dict)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    count_only: bool = False
    count: int = 0
    _server: uvicorn.Server | None = None
    _task: asyncio.Task[None] | None = None

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        path = scope["path"]
        queue = self.script[path]
        answer = queue.popleft() if queue else self.default.get(path, 200)
        if answer == "hang":
            await asyncio.sleep(3600)
        self.count += 1
        if not self.count_only:
            headers = {k.decode(): v.decode() for k, v in scope["headers"]}
            self.received.append(Received(path, headers, body))
        self.arrived.set()
        status = int(answer)
        extra = [(b"retry-after", b"1")] if status in (429, 503) else []
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"text/plain"), *extra]})
        await send({"type": "http.response.body", "body": b"ok" if status < 300 else b"no"})

    async def start(self) -> Receiver:
        config = uvicorn.Config(self, host="127.0.0.1", port=self.port, log_level="error",
                                lifespan="off", access_log=False, loop="asyncio")
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:
            await asyncio.sleep(0.02)
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            self._server.force_exit = True
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, 5)
            except (TimeoutError, asyncio.CancelledError):
                self._task.cancel()

    def at(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]

    async def wait_for(self, count: int, path: str | None = None, timeout: float = 20) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self.at(path) if path else self.received) < count:
            assert loop.time() < deadline, (
                f"{len(self.at(path) if path else self.received)} deliveries, expected {count}")
            self.arrived.clear()
            try:
                await asyncio.wait_for(self.arrived.wait(), 0.2)
            except TimeoutError:
                pass


class Served:
    """Any ASGI app on a free local port, for the length of a test."""

    def __init__(self, app, port: int | None = None) -> None:
        self.app = app
        self.port = port or free_port()
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def start(self) -> Served:
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="error",
                                lifespan="off", access_log=False, loop="asyncio")
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:
            await asyncio.sleep(0.02)
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._task is not None:
            await asyncio.wait_for(self._task, 10)
