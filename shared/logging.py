"""structlog set-up: JSON lines in production, readable lines in development.

Log events name what happened and carry ids, never personal data: no names, phone numbers,
e-mail addresses or free text written by citizens.
"""

from __future__ import annotations

import logging
import sys

import structlog


def configure_logging(fmt: str = "console", level: str = "INFO") -> None:
    shared_processors: list = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer = (structlog.processors.JSONRenderer() if fmt == "json"
                else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty()))
    structlog.configure(
        processors=[*shared_processors, structlog.processors.format_exc_info, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )
    logging.basicConfig(level=level.upper(), stream=sys.stderr,
                        format="%(levelname)s %(name)s %(message)s")
    # aiokafka logs every failed connection attempt at ERROR while the broker is down; the
    # relay and consumers report the outage themselves, once per back-off step.
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL if level.upper() != "DEBUG"
                                           else logging.DEBUG)
