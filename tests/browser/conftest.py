"""Headless Chromium (Debian's package, /usr/bin/chromium; .ci/run installs it): nothing is
downloaded by a test tool. ``chromium`` runs it once (a DOM dump, a screenshot); ``DevTools``
drives it over the DevTools protocol, to fill in and send a form."""

from __future__ import annotations

import asyncio
import base64
import fcntl
import json
import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def require_chromium() -> str:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: .ci/run installs Debian's package")
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    return CHROMIUM


@asynccontextmanager
async def served(app: Any, port: int) -> AsyncIterator[str]:
    """``app`` served by uvicorn on 127.0.0.1:``port`` (its lifespan run) for the block, as
    a browser reaches it; yields the base URL."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None,
                                           lifespan="on"))
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                await task  # it failed to start: raise what stopped it
                raise RuntimeError("uvicorn stopped before it started")
            await asyncio.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def chromium(*args: str, profile: Path, timeout: float = 90.0) -> bytes:
    """Run headless Chromium; it may reach nothing but this machine."""
    proc = await asyncio.create_subprocess_exec(
        require_chromium(), "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--disable-default-apps", "--disable-extensions",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        f"--user-data-dir={profile}", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), timeout)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise
    return out


class DevTools:
    """Headless Chromium driven over the DevTools protocol on a pipe
    (``--remote-debugging-pipe``: commands on fd 3, answers and events on fd 4, each JSON
    message ended by a NUL). No port is opened and no client library is needed; a test types,
    clicks and takes screenshots as a person's browser would."""

    def __init__(self, proc: asyncio.subprocess.Process, writer: int,
                 reader: asyncio.StreamReader) -> None:
        self.proc = proc
        self._writer = writer
        self._reader = reader
        self._next = 0
        self._waiting: dict[int, asyncio.Future[dict]] = {}
        self.events: list[dict] = []
        self._pump = asyncio.create_task(self._read())
        self.session: str | None = None

    @classmethod
    async def start(cls, profile: Path, *args: str) -> DevTools:
        to_browser_r, to_browser_w = os.pipe()
        from_browser_r, from_browser_w = os.pipe()
        # out of the way of 3 and 4, which bash sets from them (dash takes no fd above 9)
        high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 100) for fd in (to_browser_r, from_browser_w)]
        for fd in (to_browser_r, from_browser_w):
            os.close(fd)
        proc = await asyncio.create_subprocess_exec(
            "/bin/bash", "-c", f'exec "$@" 3<&{high[0]} 4>&{high[1]} {high[0]}<&- {high[1]}>&-',
            "sh", require_chromium(), "--headless", "--no-sandbox", "--disable-gpu",
            "--remote-debugging-pipe", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run",
            "--disable-default-apps", "--disable-extensions", "--hide-scrollbars",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            f"--user-data-dir={profile}", *args, "about:blank",
            pass_fds=high, stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL)
        for fd in high:
            os.close(fd)
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader(limit=64 * 1024 * 1024)
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader),
                                     os.fdopen(from_browser_r, "rb", buffering=0))
        return cls(proc, to_browser_w, reader)

    async def _read(self) -> None:
        while True:
            try:
                raw = await self._reader.readuntil(b"\0")
            except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                break
            message = json.loads(raw[:-1])
            future = self._waiting.pop(message.get("id", -1), None)
            if future is not None and not future.done():
                future.set_result(message)
            elif "method" in message:
                self.events.append(message)
        for future in self._waiting.values():
            if not future.done():
                future.set_exception(RuntimeError("chromium closed the pipe"))

    async def send(self, method: str, timeout: float = 30.0, *, browser: bool = False,
                   **params: object) -> dict:
        """One command, to the attached page (``browser=True``: to the browser itself)."""
        self._next += 1
        message: dict[str, object] = {"id": self._next, "method": method, "params": params}
        if self.session is not None and not browser:
            message["sessionId"] = self.session
        future: asyncio.Future[dict] = asyncio.get_running_loop().create_future()
        self._waiting[self._next] = future
        os.write(self._writer, json.dumps(message).encode() + b"\0")
        answer = await asyncio.wait_for(future, timeout)
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        result: dict = answer.get("result", {})
        return result

    async def open_page(self, *, width: int, height: int, accept_language: str) -> None:
        """A new tab the size of a phone's screen, attached: later commands go to it."""
        target = await self.send("Target.createTarget", browser=True, url="about:blank")
        attached = await self.send("Target.attachToTarget", browser=True,
                                   targetId=target["targetId"], flatten=True)
        self.session = attached["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            await self.send(f"{domain}.enable")
        await self.send("Emulation.setDeviceMetricsOverride", width=width, height=height,
                        deviceScaleFactor=1, mobile=True)
        agent = (await self.send("Browser.getVersion", browser=True))["userAgent"]
        await self.send("Emulation.setUserAgentOverride", userAgent=agent,
                        acceptLanguage=accept_language)

    async def evaluate(self, expression: str) -> object:
        result = await self.send("Runtime.evaluate", expression=expression,
                                 returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def wait_for(self, expression: str, timeout: float = 20.0) -> object:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            value = await self.evaluate(expression)
            if value:
                return value
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"still false after {timeout}s: {expression}")
            await asyncio.sleep(0.1)

    async def navigate(self, url: str) -> None:
        await self.send("Page.navigate", url=url)
        await self.wait_for(f"document.readyState === 'complete' && location.href === "
                            f"{json.dumps(url)}")

    async def screenshot(self, path: Path) -> None:
        """The whole page (not only the screen), at the emulated width."""
        size = (await self.send("Page.getLayoutMetrics"))["cssContentSize"]
        shot = await self.send("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                               clip={"x": 0, "y": 0, "width": size["width"],
                                     "height": size["height"], "scale": 1})
        await asyncio.to_thread(path.write_bytes, base64.b64decode(shot["data"]))

    def console_problems(self) -> list[str]:
        """What the browser complained of: script errors, CSP refusals, failed loads."""
        out = []
        for e in self.events:
            if e["method"] == "Runtime.exceptionThrown":
                out.append(str(e["params"]["exceptionDetails"]))
            elif e["method"] == "Log.entryAdded" and e["params"]["entry"]["level"] == "error":
                out.append(e["params"]["entry"]["text"])
            elif e["method"] == "Runtime.consoleAPICalled" and e["params"]["type"] == "error":
                out.append(str(e["params"]["args"]))
        return out

    def requested(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events
                if e["method"] == "Network.requestWillBeSent"]

    async def close(self) -> None:
        try:
            await self.send("Browser.close", 5.0, browser=True)
        except (RuntimeError, TimeoutError):
            pass  # it may close the pipe before answering
        self._pump.cancel()
        os.close(self._writer)
        try:
            await asyncio.wait_for(self.proc.wait(), 10)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()
