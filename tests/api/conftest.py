"""One served instance of each service for the whole API test session, started on first use;
requests and server errors counted per service and printed at the end (the figures in the
report)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest

from tests.api.harness import Served, serve

_TALLY: dict[str, Served] = {}


@pytest.fixture(scope="session")
def served(broker, tmp_path_factory) -> Iterator[Callable[[str], Served]]:
    started: dict[str, Served] = {}

    def get(name: str) -> Served:
        if name not in started:
            prefix = f"t{uuid.uuid4().hex[:10]}."
            started[name] = serve(name, tmp_path_factory.mktemp(f"api-{name}"),
                                  broker.bootstrap, prefix)
            _TALLY[name] = started[name]
        return started[name]

    yield get
    for s in started.values():
        s.stop()


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    if _TALLY:
        terminalreporter.section("API probes")
        for name, s in _TALLY.items():
            terminalreporter.write_line(f"{name}: {s.requests} schemathesis requests, "
                                        f"{s.fuzz_requests} fuzz requests, "
                                        f"{len(s.server_errors)} 5xx")
            for line in s.server_errors[:10]:
                terminalreporter.write_line(f"    {line}")
