"""What the logs may never show: a library's debug lines with messages, a traceback's locals."""

from __future__ import annotations

import logging

import structlog

from shared.logging import configure_logging


def test_libraries_that_log_payloads_are_kept_quiet() -> None:
    configure_logging("console", "DEBUG")
    for name in ("mail.log", "aiosmtplib", "sqlalchemy.engine", "httpx"):
        assert logging.getLogger(name).getEffectiveLevel() >= logging.WARNING, name


def test_a_traceback_never_prints_local_variables(capsys) -> None:  # type: ignore[no-untyped-def]
    configure_logging("console", "INFO")

    def fail(reporter_email: str) -> None:
        raise ValueError("boom")

    email = "".join(["siti", "@", "example.id"])  # in a local, not in the source text
    try:
        fail(email)
    except ValueError:
        structlog.get_logger("t").exception("failed")
    err = capsys.readouterr().err
    assert "ValueError: boom" in err and "siti@example.id" not in err
