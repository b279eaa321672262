"""Every service's migrations build exactly the tables its models declare (no drift)."""

from __future__ import annotations

import importlib

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData

from shared import migrate
from shared.db import create_engine
from shared.tables import bus_metadata

SERVICES = ["complaints", "surveys", "kpi", "notifications"]


def service_metadata(name: str) -> list[MetaData]:
    try:
        models = importlib.import_module(f"services.{name}.models")
    except ModuleNotFoundError:
        return [bus_metadata]
    return [bus_metadata, models.metadata]


def built_on(dialect: str):
    """Leave out what the models build only on another dialect (``Index.ddl_if``)."""
    def include(obj, name, type_, reflected, compare_to):
        condition = getattr(obj, "_ddl_if", None)
        return condition is None or condition.dialect in (None, dialect)
    return include


@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression")
@pytest.mark.parametrize("name", SERVICES)
async def test_migrations_match_the_models(name, database_url):
    versions = importlib.import_module(f"services.{name}.migrations").VERSIONS
    engine = create_engine(database_url)
    try:
        await migrate.upgrade(engine, versions)
        async with engine.connect() as conn:
            diff = await conn.run_sync(lambda c: compare_metadata(
                MigrationContext.configure(c, opts={
                    "compare_type": True, "include_object": built_on(c.dialect.name)}),
                service_metadata(name)))
    finally:
        await engine.dispose()
    assert diff == [], f"{name}: models and migrations differ: {diff}"
