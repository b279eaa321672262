"""Fixtures shared by every test layer: the real local broker and real databases.

PostgreSQL tests run against ``SUARA_TEST_POSTGRES_URL`` (``.ci/run`` sets it to the machine's
PostgreSQL), each test in a database of its own. Without the variable they are skipped, except
under CI, where a missing PostgreSQL is a failure, not a skip.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest

from shared.broker import LocalBroker

POSTGRES_URL = os.environ.get("SUARA_TEST_POSTGRES_URL", "")


@pytest.fixture(scope="session")
def broker() -> Iterator[LocalBroker]:
    """One Tansu broker for the session; tests isolate themselves with a topic prefix."""
    with LocalBroker() as b:
        yield b


@pytest.fixture
def topic_prefix() -> str:
    return f"t{uuid.uuid4().hex[:10]}."


def _require_postgres() -> None:
    if not POSTGRES_URL:
        if os.environ.get("CI"):
            pytest.fail("SUARA_TEST_POSTGRES_URL is not set: CI must run the PostgreSQL tests")
        pytest.skip("SUARA_TEST_POSTGRES_URL is not set (make test sets it via .ci/run)")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'service.db'}"
        return
    _require_postgres()
    import asyncpg

    admin_dsn = POSTGRES_URL.replace("+asyncpg", "")
    name = f"suara_test_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base, _, _ = POSTGRES_URL.rpartition("/")
    yield f"{base}/{name}"
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()
