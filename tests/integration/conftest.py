"""Fixtures of the integration tests below the services: a migrated probe database."""

from __future__ import annotations

import pytest

from shared import migrate
from shared.db import create_engine
from tests.integration import probe


@pytest.fixture
async def engine(database_url):
    """An engine on a fresh database with the bus tables and the probe's effects table."""
    engine = create_engine(database_url)
    await migrate.upgrade(engine, probe.VERSIONS)
    yield engine
    await engine.dispose()
