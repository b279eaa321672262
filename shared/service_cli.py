"""The command line of one service: ``suara-<service> serve | migrate``, plus the extra
subcommands a service registers (``Command``: ``suara-kpi rebuild``)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI
from pydantic import ValidationError

from shared.db import create_engine
from shared.logging import configure_logging
from shared.migrate import upgrade
from shared.settings import ServiceSettings


@dataclass(frozen=True)
class Command:
    """An extra subcommand of a service: ``run`` gets the validated settings and returns the
    exit status."""

    name: str
    help: str
    run: Callable[[ServiceSettings], int]


def run_service_cli(argv: list[str] | None, *, settings_cls: type[ServiceSettings],
                    create_app: Callable[[ServiceSettings], FastAPI], versions_dir: Path,
                    commands: Sequence[Command] = ()) -> int:
    name = settings_cls.service
    parser = argparse.ArgumentParser(prog=f"suara-{name}",
                                     description=f"The Suara {name} service.")
    sub = parser.add_subparsers(dest="command")
    serve = sub.add_parser("serve", help="run the service (the default)")
    serve.add_argument("--port", type=int, help=f"override SUARA_{name.upper()}_PORT")
    serve.add_argument("--host", help="override SUARA_HOST")
    sub.add_parser("migrate", help="apply the database migrations and exit")
    extra = {c.name: c for c in commands}
    for command in commands:
        sub.add_parser(command.name, help=command.help)
    args = parser.parse_args(argv)

    overrides = {k: v for k, v in (("port", getattr(args, "port", None)),
                                   ("host", getattr(args, "host", None))) if v is not None}
    try:
        settings = settings_cls(**overrides)
    except ValidationError as exc:  # a configuration mistake: say which, without a traceback
        for error in exc.errors(include_input=False, include_url=False):
            where = ".".join(str(p) for p in error["loc"]) or "settings"
            print(f"suara-{name}: {where}: {error['msg']}", file=sys.stderr)
        return 2
    configure_logging(settings.log_format or "console", settings.log_level)

    if args.command in extra:
        return extra[args.command].run(settings)
    if args.command == "migrate":
        asyncio.run(migrate(settings, versions_dir))
        print(f"{name}: migrations applied to {settings.database_url.split('@')[-1]}")
        return 0
    try:
        app = create_app(settings)
    except ValueError as exc:  # a setting the service refuses to serve with
        print(f"suara-{name}: {exc}", file=sys.stderr)
        return 2
    serve_app(app, settings)
    return 0


async def migrate(settings: ServiceSettings, versions_dir: Path) -> None:
    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine, versions_dir)
    finally:
        await engine.dispose()


def serve_app(app: FastAPI, settings: ServiceSettings) -> None:
    import uvicorn

    app.state.runtime.freeze_gc_after_start = True

    uvicorn.run(app, host=settings.host, port=settings.port, loop="uvloop", http="httptools",
                access_log=False, log_config=None, timeout_graceful_shutdown=20,
                server_header=False)
