#!/usr/bin/env python3
"""Container health check: GET /healthz on the Suara service running in this container.

Exit status 0 means healthy, 1 unhealthy (Docker's HEALTHCHECK contract). Standard library
only: the slim image has no curl.

Which service and which port:

* ``--port N`` wins when given (compose passes it explicitly);
* otherwise the service is read from PID 1's command line (``tini -- suara-kpi serve``) and the
  port resolved like the settings do: ``SUARA_<SERVICE>_PORT``, then ``SUARA_PORT``, then the
  service's default port.

A container that is not running ``suara-<service> serve`` (a one-shot ``migrate``) has nothing
to check and reports healthy.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence

DEFAULT_PORTS: dict[str, int] = {
    "complaints": 8001,
    "surveys": 8002,
    "kpi": 8003,
    "notifications": 8004,
}
TIMEOUT_SECONDS = 2.5


def serving_service(argv: Sequence[str]) -> str | None:
    """The service a command line serves (``[..., 'suara-kpi', 'serve']`` -> ``'kpi'``)."""
    for index, arg in enumerate(argv):
        name = os.path.basename(arg)
        if name.startswith("suara-") and name.removeprefix("suara-") in DEFAULT_PORTS:
            if "serve" in argv[index + 1 :]:
                return name.removeprefix("suara-")
    return None


def pid1_argv(path: str = "/proc/1/cmdline") -> list[str]:
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def resolve_port(service: str, environ: Mapping[str, str]) -> int:
    for name in (f"SUARA_{service.upper()}_PORT", "SUARA_PORT"):
        value = environ.get(name, "").strip()
        if value:
            return int(value)
    return DEFAULT_PORTS[service]


def resolve_host(environ: Mapping[str, str]) -> str:
    host = environ.get("SUARA_HOST", "").strip()
    if host in ("", "0.0.0.0", "::"):  # noqa: S104 - a wildcard bind is reachable on loopback
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


def check(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            return 200 <= response.status < 300
    except (urllib.error.URLError, OSError, ValueError):
        return False


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    env = os.environ if environ is None else environ
    port: int | None = None
    if len(args) == 2 and args[0] == "--port":
        port = int(args[1])
    elif args:
        print("usage: healthcheck.py [--port N]", file=sys.stderr)
        return 1
    if port is None:
        service = serving_service(pid1_argv())
        if service is None:
            return 0
        port = resolve_port(service, env)
    url = f"http://{resolve_host(env)}:{port}/healthz"
    healthy = check(url)
    if not healthy:
        print(f"unhealthy: {url}", file=sys.stderr)
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main())
