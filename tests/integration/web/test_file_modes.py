"""SQLite data files are readable by their owner only (issue 8 item 4)."""

from __future__ import annotations

import os
import stat

from sqlalchemy import text

from shared.db import create_engine


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


async def test_new_data_files_and_folders_are_private(tmp_path):
    old = os.umask(0o022)  # the usual umask: files 0644 unless we say otherwise
    try:
        db = tmp_path / "data" / "nested" / "complaints.db"
        engine = create_engine(f"sqlite+aiosqlite:///{db}")
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (x INTEGER)"))
            await conn.execute(text("INSERT INTO t VALUES (1)"))
        async with engine.connect() as conn:  # WAL and shared memory exist while open
            await conn.execute(text("SELECT * FROM t"))
            files = {p.name: mode(p) for p in db.parent.iterdir()}
        await engine.dispose()
    finally:
        os.umask(old)
    assert files == {"complaints.db": 0o600, "complaints.db-wal": 0o600,
                     "complaints.db-shm": 0o600}, {k: oct(v) for k, v in files.items()}
    assert mode(tmp_path / "data") == 0o700 and mode(tmp_path / "data" / "nested") == 0o700


async def test_existing_world_readable_files_are_tightened(tmp_path):
    db = tmp_path / "surveys.db"
    for name in ("surveys.db", "surveys.db-wal"):
        (tmp_path / name).touch()
        os.chmod(tmp_path / name, 0o644)
    os.chmod(tmp_path, 0o755)
    engine = create_engine(f"sqlite+aiosqlite:///{db}")
    await engine.dispose()
    assert mode(db) == 0o600 and mode(tmp_path / "surveys.db-wal") == 0o600
    assert mode(tmp_path) == 0o755  # a folder that existed is not ours to change
