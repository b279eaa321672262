"""A small closed-loop HTTP/1.1 load generator on raw asyncio streams (keep-alive, N
connections), light enough not to starve the server under test on a two-core machine."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class LoadResult:
    requests: int
    errors: int
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))] * 1000


async def run_load(host: str, port: int, path: str, body: Callable[[int], dict], *,
                   connections: int = 32, seconds: float = 8.0,
                   headers: Callable[[int], dict[str, str]] | None = None,
                   ok: int = 201) -> LoadResult:
    """``body(i)`` and ``headers(i)`` give the i-th request's JSON body and extra headers."""
    latencies: list[float] = []
    errors = 0
    counter = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal errors, counter
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while time.perf_counter() < deadline:
                counter += 1
                payload = json.dumps(body(counter)).encode()
                extra = "".join(f"{k}: {v}\r\n"
                                for k, v in (headers(counter) if headers else {}).items())
                request = (f"POST {path} HTTP/1.1\r\nHost: {host}\r\n"
                           f"Content-Type: application/json\r\n{extra}"
                           f"Content-Length: {len(payload)}\r\n\r\n").encode() + payload
                started = time.perf_counter()
                writer.write(request)
                status_line = await reader.readline()
                length = 0
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                await reader.readexactly(length)
                latencies.append(time.perf_counter() - started)
                if int(status_line.split()[1]) != ok:
                    errors += 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    return LoadResult(len(latencies), errors, time.perf_counter() - started, latencies)
