"""Database engines (the unit of work is shared.uow).

SQLite (the embedded default) gets exactly one connection: several writers fight over SQLite's
lock and the latency tail explodes (measured: p99 730 ms with a pool of 5, 47 ms with one), plus
WAL, ``synchronous=NORMAL`` and a busy timeout. PostgreSQL gets a normal pool. The same code
runs on both.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    DBAPIError,
    DisconnectionError,
    InterfaceError,
    OperationalError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool


def is_sqlite(engine_or_url: AsyncEngine | str) -> bool:
    url = engine_or_url if isinstance(engine_or_url, str) else str(engine_or_url.url)
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, *, pool_size: int = 10, echo: bool = False) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            private_sqlite_file(Path(parsed.database))
        engine = create_async_engine(
            url,
            echo=echo,
            poolclass=AsyncAdaptedQueuePool,
            pool_size=1,
            max_overflow=0,
            pool_timeout=30,
            connect_args={"timeout": 30},
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        # SQLAlchemy, not pysqlite, emits BEGIN: transactional DDL and SAVEPOINT then work.
        # A deferred BEGIN: with WAL, readers never wait for the writer (BEGIN IMMEDIATE would
        # queue every read behind every write transaction).
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    return create_async_engine(
        url, echo=echo, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True
    )


def private_sqlite_file(path: Path) -> None:
    """Make ``path`` a database file only its owner can read: folders it creates 0700, the
    file 0600 (created empty if missing: an empty file is an empty SQLite database), and any
    existing ``-wal``/``-shm`` file 0600. SQLite gives the WAL and shared-memory files it
    creates later the database file's mode, so they are 0600 too. A folder that already
    exists is left as it is (it may be shared, like /tmp)."""
    folder = path.parent
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for created in reversed(missing):
        created.mkdir(mode=0o700, exist_ok=True)
        os.chmod(created, 0o700)  # mkdir's mode is reduced by the umask
    try:
        fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
        os.close(fd)
        for file in (path, path.with_name(path.name + "-wal"),
                     path.with_name(path.name + "-shm")):
            if file.is_file() and file.stat().st_mode & 0o077:
                os.chmod(file, 0o600)
    except OSError:  # not a file we can open (a folder, no rights): SQLite says so on connect
        return


def _sqlite_pragmas(dbapi_conn: Any, _record: object) -> None:
    dbapi_conn.isolation_level = None  # autocommit at the driver; SQLAlchemy emits BEGIN
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _sqlite_begin(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN")


def database_unreachable(exc: BaseException) -> bool:
    """The database, not the request, failed: down, locked, out of connections, or the
    connection was cut (asyncpg then raises anything from InterfaceError to InternalError;
    SQLAlchemy marks each ``connection_invalidated``). Retrying may work."""
    if isinstance(exc, DBAPIError):
        return isinstance(exc, OperationalError | InterfaceError) or exc.connection_invalidated
    return isinstance(exc, DisconnectionError | PoolTimeout | OSError | TimeoutError)


async def ping(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
