"""Apply a service's migrations: the bus branch plus the service's own branch."""

from __future__ import annotations

import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, MetaData
from sqlalchemy.ext.asyncio import AsyncEngine

SHARED_MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(versions_dir: Path, target_metadata: list[MetaData] | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(SHARED_MIGRATIONS))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations", os.pathsep.join(
        [str(SHARED_MIGRATIONS / "versions"), str(versions_dir)]))
    cfg.attributes["target_metadata"] = target_metadata
    return cfg


async def upgrade(engine: AsyncEngine, versions_dir: Path, revision: str = "heads") -> None:
    cfg = alembic_config(versions_dir)

    def _run(sync_conn: Connection) -> None:
        cfg.attributes["connection"] = sync_conn
        command.upgrade(cfg, revision)

    async with engine.connect() as conn:
        await conn.run_sync(_run)
        await conn.commit()
