"""Logging: one pipeline for structlog and the standard library (uvicorn, alembic...), JSON
lines in production, readable lines in development.

Log events name what happened and carry ids, never personal data: no names, phone numbers,
e-mail addresses or free text written by citizens. Libraries whose debug output echoes message
values or SQL parameters are held at WARNING whatever level is asked for.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

import structlog

#: Libraries whose debug output carries payloads or statement parameters.
QUIET_LIBRARIES = ("aiokafka", "aiosqlite", "asyncpg", "sqlalchemy.engine", "sqlalchemy.pool",
                   "httpx", "httpcore", "multipart", "python_multipart",
                   # SMTP client and the development SMTP catcher: their debug lines are the
                   # messages themselves (addresses, bodies)
                   "aiosmtplib", "mail.log", "mail.debug")


class _StderrHandler(logging.StreamHandler[TextIO]):
    """Writes to whatever ``sys.stderr`` is at the time (test runners swap it)."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: object) -> None:
        pass


def configure_logging(fmt: str = "console", level: str = "INFO") -> None:
    pre_chain: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer = (structlog.processors.JSONRenderer() if fmt == "json"
                # plain tracebacks: rich's (the default when rich is installed) print every
                # frame's local variables, which may hold a citizen's data
                else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty(),
                                                   exception_formatter=structlog.dev.plain_traceback))
    structlog.configure(
        processors=[*pre_chain, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    handler = _StderrHandler()
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=pre_chain,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.format_exc_info, renderer]))
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _StderrHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)
    # aiokafka logs every failed connection attempt at ERROR while the broker is down; the
    # relay and consumers report the outage themselves, once per back-off step.
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    for name in ("uvicorn", "uvicorn.error"):  # uvicorn's own handlers would print twice
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
