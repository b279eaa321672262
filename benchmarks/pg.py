"""Throwaway PostgreSQL databases for the benchmarks: created fresh, dropped afterwards."""

from __future__ import annotations

import uuid


async def fresh_database(admin_url: str) -> str:
    import asyncpg

    name = f"suara_bench_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(admin_url.replace("+asyncpg", ""))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return f"{admin_url.rpartition('/')[0]}/{name}"


async def drop_database(admin_url: str, url: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(admin_url.replace("+asyncpg", ""))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{url.rpartition("/")[2]}" WITH (FORCE)')
    finally:
        await conn.close()
